"""Tests of ``sklearn_lad.dask``: exactness against the in-memory backends, chunking, schedulers."""

import numpy as np
import pytest

pytest.importorskip("dask")  # the only skip: CI installs the extra (README's dev install)

import dask.array as da  # noqa: E402
import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

from sklearn_lad import QuantileLasso  # noqa: E402
from sklearn_lad.dask import DaskLADRegressor, DaskQuantileRegressor  # noqa: E402


def _data(n, p, seed, weights=False, zeros=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = X @ np.linspace(-1.0, 2.0, p) + rng.standard_t(3, size=n)
    w = None
    if weights:
        w = rng.exponential(size=n)
        if zeros:
            w[::5] = 0.0
    return X, y, w


def _chunk(a, chunks):
    if a is None:
        return None
    return da.from_array(a, chunks=(chunks,) + a.shape[1:])


def _reference(X, y, w, tau, alpha, solver="fn", **kwargs):
    return QuantileLasso(tau=tau, alpha=alpha, solver=solver, **kwargs).fit(X, y, sample_weight=w)


@pytest.mark.parametrize(
    "tau, alpha, weights",
    [(0.5, 0.0, False), (0.1, 0.0, True), (0.8, 0.01, False), (0.35, 0.002, True)],
)
def test_matches_in_memory_fn(tau, alpha, weights):
    X, y, w = _data(30_000, 4, seed=int(tau * 100), weights=weights, zeros=True)
    model = DaskQuantileRegressor(tau=tau, alpha=alpha).fit(
        _chunk(X, 4000), _chunk(y, 4000), sample_weight=_chunk(w, 4000)
    )
    ref = _reference(X, y, w, tau, alpha)
    assert model.certified_
    assert model.n_passes_ >= 3  # the chunked scheme ran (not the small-data shortcut)
    assert model.n_reduced_ < X.shape[0] // 2
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    assert model.intercept_ == pytest.approx(ref.intercept_, rel=1e-8, abs=1e-10)
    assert model.objective_ == pytest.approx(ref.objective_, rel=1e-10)
    assert isinstance(model.coef_, np.ndarray)


@pytest.mark.parametrize("expected_misses", [30.0, 300.0])
def test_rows_put_back_and_band_widened(monkeypatch, expected_misses):
    """A band far too narrow leaves rows on the wrong side: putting them back (one pass each)
    and widening the band (a new classification) still end at the exact, certified optimum."""
    from sklearn_lad.dask import _fit

    monkeypatch.setattr(_fit, "EXPECTED_MISSES", expected_misses)
    put_back = []
    original = _fit._Reduced.put_back

    def spy(self, verified, center):
        put_back.append(verified.n_wrong)
        return original(self, verified, center)

    monkeypatch.setattr(_fit._Reduced, "put_back", spy)
    X, y, _ = _data(3000, 3, seed=3)
    ref = _reference(X, y, None, 0.25, 0.0, solver="highs")
    model = DaskQuantileRegressor(tau=0.25, pilot_size=100).fit(_chunk(X, 500), _chunk(y, 500))
    assert model.certified_
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    assert model.objective_ == pytest.approx(ref.objective_, rel=1e-10)
    assert model.n_passes_ > 3
    if expected_misses == 30.0:
        assert put_back  # the repair path ran


# Each example is a few dask passes: half the profile's examples (20 in CI, 200 "thorough").
@settings(max_examples=max(20, settings.default.max_examples // 2))
@given(
    n=st.integers(40, 400),
    p=st.integers(1, 3),
    chunk=st.integers(15, 150),
    tau=st.sampled_from([0.1, 0.3, 0.5, 0.77]),
    alpha=st.sampled_from([0.0, 0.0, 0.05]),
    weighted=st.booleans(),
    discrete=st.booleans(),
    fit_intercept=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_hypothesis_against_highs(n, p, chunk, tau, alpha, weighted, discrete, fit_intercept,
                                  seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = X @ rng.normal(size=p) + rng.laplace(size=n)
    if discrete:  # ties and rows exactly on the fit
        X, y = np.round(X), np.round(y)
    w = rng.integers(0, 4, size=n).astype(float) if weighted else None
    if w is not None and w.sum() == 0:
        w[0] = 1.0
    model = DaskQuantileRegressor(
        tau=tau, alpha=alpha, fit_intercept=fit_intercept, pilot_size=max(10, n // 8),
        random_state=seed % 7,
    ).fit(_chunk(X, chunk), _chunk(y, chunk), sample_weight=_chunk(w, chunk))
    ref = _reference(X, y, w, tau, alpha, solver="highs", fit_intercept=fit_intercept)
    assert model.certified_
    assert model.objective_ == pytest.approx(ref.objective_, rel=1e-9, abs=1e-12)
    if ref.unique_:
        np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-7, atol=1e-8)


def test_unknown_chunk_sizes_from_dataframe():
    X, y, w = _data(12_000, 3, seed=5, weights=True)
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(target=y, weight=w)
    ddf = dd.from_pandas(frame, npartitions=24)  # the pilot reads 16 of them
    features = ddf[["a", "b", "c"]]
    assert np.isnan(features.to_dask_array().shape[0])  # the chunk sizes really are unknown
    model = DaskQuantileRegressor(tau=0.6, pilot_size=600).fit(
        features, ddf["target"], sample_weight=ddf["weight"].to_dask_array()
    )
    ref = _reference(X, y, w, 0.6, 0.0)
    assert model.certified_ and model.n_passes_ >= 2
    assert model.n_passes_ % 1 == pytest.approx(16 / 24)  # the sample pass read 16 chunks
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    assert list(model.feature_names_in_) == ["a", "b", "c"]
    prediction = model.predict(features)
    assert isinstance(prediction, da.Array)
    np.testing.assert_allclose(prediction.compute(), ref.predict(X), rtol=1e-8, atol=1e-8)


def test_predict_is_blockwise_and_numpy_stays_numpy():
    X, y, _ = _data(3000, 2, seed=7)
    model = DaskLADRegressor(pilot_size=200).fit(_chunk(X, 500), _chunk(y, 500))
    lazy = model.predict(_chunk(X, 500))
    assert isinstance(lazy, da.Array) and lazy.chunks[0] == (500,) * 6
    eager = model.predict(X)
    assert isinstance(eager, np.ndarray)
    np.testing.assert_allclose(lazy.compute(), eager)


def test_distributed_local_cluster():
    distributed = pytest.importorskip("distributed")
    X, y, w = _data(20_000, 3, seed=11, weights=True)
    ref = _reference(X, y, w, 0.9, 0.0)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster):
        model = DaskQuantileRegressor(tau=0.9).fit(
            _chunk(X, 2500), _chunk(y, 2500), sample_weight=_chunk(w, 2500)
        )
        # joblib's dask backend spreads a grid search's in-memory fits over the same cluster.
        import joblib
        from sklearn.model_selection import GridSearchCV

        with joblib.parallel_backend("dask"):
            search = GridSearchCV(DaskQuantileRegressor(), {"tau": [0.3, 0.7]}, cv=2).fit(
                X[:400], y[:400]
            )
    assert model.certified_ and model.n_passes_ >= 3
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    assert search.best_params_["tau"] in (0.3, 0.7)


def test_input_errors():
    X, y, w = _data(2000, 2, seed=13, weights=True)
    bad = X.copy()
    bad[1500, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        DaskQuantileRegressor().fit(_chunk(bad, 500), _chunk(y, 500))
    with pytest.raises(ValueError, match="non-negative"):
        DaskQuantileRegressor().fit(_chunk(X, 500), _chunk(y, 500), sample_weight=_chunk(-w, 500))
    with pytest.raises(ValueError, match="rows"):
        DaskQuantileRegressor().fit(_chunk(X, 500), _chunk(y[:1000], 500))
    with pytest.raises(TypeError, match="numeric"):
        DaskQuantileRegressor().fit(da.from_array(X.astype(str), chunks=500), _chunk(y, 500))
    model = DaskQuantileRegressor().fit(_chunk(X, 500), _chunk(y, 700))  # y is rechunked
    with pytest.raises(ValueError, match="features"):
        model.predict(_chunk(X[:, :1], 500))


@pytest.mark.parametrize("estimator", [DaskQuantileRegressor(), DaskLADRegressor(alpha=0.01)])
def test_check_estimator_on_numpy_input(estimator):
    check_estimator(estimator)


def test_uncertified_fit_warns(monkeypatch):
    """Out of verification passes with rows still on the wrong side: a ConvergenceWarning and
    ``certified_=False``, never a silent uncertified answer."""
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_lad.dask import _fit

    monkeypatch.setattr(_fit, "EXPECTED_MISSES", 3000.0)
    X, y, _ = _data(3000, 3, seed=3)
    with pytest.warns(ConvergenceWarning, match="max_rounds"):
        model = DaskQuantileRegressor(pilot_size=100, max_rounds=1).fit(
            _chunk(X, 500), _chunk(y, 500)
        )
    assert not model.certified_


def test_band_size_does_not_depend_on_the_weights_scale():
    """Weights times a constant change no fit, so they must not change the band either: the
    pilot's spread is corrected by Kish's factor (before, 1000 w kept ~1/31 of the rows and
    exponential weights took a repair pass in half of the fits)."""
    X, y, w = _data(40_000, 4, seed=11, weights=True)
    fits = {}
    for name, weight in (("none", None), ("const", np.full(w.size, 7.0)), ("w", w),
                         ("1000w", 1000.0 * w)):
        fits[name] = DaskQuantileRegressor(tau=0.3, random_state=0).fit(
            _chunk(X, 5000), _chunk(y, 5000), sample_weight=_chunk(weight, 5000))
        assert fits[name].certified_
    assert abs(fits["const"].n_reduced_ - fits["none"].n_reduced_) <= 2
    assert abs(fits["1000w"].n_reduced_ - fits["w"].n_reduced_) <= 2
    # exponential weights (sum w^2 / sum w ~ 2) widen the band by about sqrt(2)
    assert 1.2 < fits["w"].n_reduced_ / fits["none"].n_reduced_ < 1.8
    np.testing.assert_allclose(fits["1000w"].coef_, fits["w"].coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fits["const"].coef_, fits["none"].coef_, rtol=1e-8, atol=1e-10)
