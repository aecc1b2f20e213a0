# Generate reference fixtures for sklearn-lad from R's quantreg package.
#
# Run from the repository root:
#     Rscript tools/make_r_reference.R
#
# Writes into tests/data/:
#   stackloss.csv, engel.csv, barro.csv (if quantreg ships it), lasso_synth.csv
#       header row; feature columns first, response `y` last.  Numbers are
#       written with the shortest %.15g/%.16g/%.17g form that round-trips, so
#       Python reads exactly the doubles that R used for the fits.
#   r_rq_br.json
#       [{"dataset", "tau", "intercept", "coef", "objective"}, ...] from
#       rq(y ~ ., method = "br"); objective = mean(rho_tau(residuals)).
#   r_rq_lasso.json
#       [{"dataset", "tau", "lambda", "alpha", "intercept", "coef",
#         "objective", "objective_vertex", "intercept_vertex",
#         "coef_vertex"}, ...]
#       from rq(y ~ ., method = "lasso", lambda = c(0, rep(lambda, p))).
#
# Scaling of quantreg's lasso (checked against an LP solve, see
# tools/check_r_reference.py):  rq.fit.lasso appends one pseudo-observation
# per penalised coefficient, row lambda_j * e_j with response 0, and passes the
# dual constraint right-hand side 0.5 * colSums(R) for those rows, i.e. the
# pseudo-observations are fitted with tau = 0.5.  Since rho_0.5(u) = |u| / 2,
# the problem it solves is
#     sum_i rho_tau(r_i) + sum_j (lambda_j / 2) * |b_j|,
# NOT sum rho + lambda * sum |b_j|.  In our scaling
#     mean_i rho_tau(r_i) + alpha * sum_j |b_j|
# this is alpha = lambda / (2 * n), which is what the "alpha" field holds.
#
# Intercept: a scalar lambda is expanded by rq.fit.lasso to
# c(0, rep(lambda, p - 1)), i.e. the FIRST design column (the intercept
# column from model.matrix) is unpenalised; a vector must have one entry per
# design column including the intercept.  We pass c(0, rep(lambda, p))
# explicitly.
#
# rq.fit.lasso is an interior point (Frisch-Newton) solver that stops at a
# duality-gap tolerance eps (default 1e-6), so its answer is not an exact LP
# vertex.  We call it with eps = 1e-12, and additionally compute an exact
# simplex solution of the same problem with rq.fit.br on an augmented design
# (two pseudo-rows +-(lambda/2) e_j per penalised coefficient with response
# 0: rho_tau(u) + rho_tau(-u) = |u|).  Those are stored as *_vertex fields.

suppressPackageStartupMessages(library(quantreg))

out_dir <- file.path("tests", "data")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

# ---------------------------------------------------------------------------
# number formatting / JSON helpers (hand-written so that every double is
# written with enough digits to round-trip exactly)

fmt_num <- function(v) {
  vapply(v, function(x) {
    if (!is.finite(x)) stop("non-finite value in fixture")
    for (d in 15:17) {
      s <- sprintf(paste0("%.", d, "g"), x)
      if (as.numeric(s) == x) return(s)
    }
    s
  }, character(1))
}

json_value <- function(x) {
  if (is.character(x)) {
    return(paste0("\"", gsub("\"", "\\\\\"", x), "\""))
  }
  if (inherits(x, "AsIs") || length(x) != 1) {
    return(paste0("[", paste(fmt_num(as.numeric(x)), collapse = ", "), "]"))
  }
  fmt_num(as.numeric(x))
}

json_record <- function(rec) {
  # `coef`-like fields are always arrays, even when of length 1.
  fields <- vapply(names(rec), function(nm) {
    v <- rec[[nm]]
    if (grepl("^coef", nm)) v <- I(as.numeric(v))
    paste0("\"", nm, "\": ", json_value(v))
  }, character(1))
  paste0("  {", paste(fields, collapse = ", "), "}")
}

write_json_records <- function(records, path) {
  txt <- paste0("[\n", paste(vapply(records, json_record, character(1)),
                             collapse = ",\n"), "\n]\n")
  cat(txt, file = path)
  cat(sprintf("wrote %s (%d records)\n", path, length(records)))
}

write_dataset <- function(X, y, name) {
  X <- as.data.frame(X)
  df <- data.frame(lapply(X, fmt_num), y = fmt_num(y), check.names = FALSE,
                   stringsAsFactors = FALSE)
  path <- file.path(out_dir, paste0(name, ".csv"))
  lines <- c(paste(c(names(X), "y"), collapse = ","),
             apply(as.matrix(df), 1, paste, collapse = ","))
  writeLines(lines, path)
  cat(sprintf("wrote %s (n = %d, p = %d)\n", path, nrow(X), ncol(X)))
  # read it back and use exactly what was written
  back <- read.csv(path, check.names = FALSE)
  Xb <- as.matrix(back[, seq_len(ncol(X)), drop = FALSE])
  storage.mode(Xb) <- "double"
  stopifnot(identical(names(back), c(names(X), "y")),
            all(Xb == as.matrix(X)), all(as.numeric(back$y) == as.numeric(y)))
  data.frame(Xb, y = as.numeric(back$y), check.names = FALSE)
}

rho <- function(u, tau) u * (tau - (u < 0))

# ---------------------------------------------------------------------------
# data sets

datasets <- list()

sl <- datasets::stackloss
datasets$stackloss <- write_dataset(sl[, c("Air.Flow", "Water.Temp", "Acid.Conc.")],
                                    sl$stack.loss, "stackloss")

data("engel", package = "quantreg", envir = environment())
datasets$engel <- write_dataset(engel[, "income", drop = FALSE], engel$foodexp,
                                "engel")

have_barro <- "barro" %in% data(package = "quantreg")$results[, "Item"]
if (have_barro) {
  data("barro", package = "quantreg", envir = environment())
  feat <- setdiff(names(barro), "y.net")
  datasets$barro <- write_dataset(barro[, feat], barro$y.net, "barro")
} else {
  cat("quantreg has no `barro` data set; skipping barro.csv\n")
}

# synthetic data for the lasso: n = 200, p = 8, sparse truth, t(3) noise
set.seed(20240607)
n_s <- 200
p_s <- 8
Xs <- matrix(rnorm(n_s * p_s), n_s, p_s)
colnames(Xs) <- paste0("x", seq_len(p_s))
beta_s <- c(3, -2, 1.5, 0, 0, 0.5, 0, 0)
ys <- 1 + drop(Xs %*% beta_s) + rt(n_s, df = 3)
synth <- write_dataset(Xs, ys, "lasso_synth")

design <- function(df) {
  list(X = as.matrix(df[, setdiff(names(df), "y"), drop = FALSE]), y = df$y)
}

# ---------------------------------------------------------------------------
# rq(method = "br")

taus <- c(0.1, 0.25, 0.5, 0.75, 0.9)
br_records <- list()
for (name in names(datasets)) {
  d <- design(datasets[[name]])
  df <- data.frame(d$X, y = d$y)
  for (tau in taus) {
    fit <- suppressWarnings(rq(y ~ ., data = df, tau = tau, method = "br"))
    b <- unname(coef(fit))
    res <- d$y - b[1] - drop(d$X %*% b[-1])
    br_records[[length(br_records) + 1]] <- list(
      dataset = name, tau = tau, intercept = b[1], coef = b[-1],
      objective = mean(rho(res, tau)))
  }
}
write_json_records(br_records, file.path(out_dir, "r_rq_br.json"))

# ---------------------------------------------------------------------------
# rq(method = "lasso"), intercept unpenalised

# smallest alpha (our scaling) at which every slope is zero, from the
# subgradient condition at the intercept-only fit (approximate when residuals
# are exactly zero, which only matters for the grid choice).
alpha_max <- function(X, y, tau) {
  b0 <- coef(suppressWarnings(rq.fit.br(matrix(1, length(y), 1), y, tau = tau)))[1]
  r <- y - b0
  g <- ifelse(r > 0, tau, ifelse(r < 0, tau - 1, 0))
  max(abs(colMeans(X * g)))
}

lasso_vertex <- function(X, y, tau, lambda) {
  # exact simplex solution of sum rho_tau(r) + (lambda/2) sum |b_j|
  p <- ncol(X)
  Xa <- cbind(1, X)
  pen <- diag(lambda / 2, p)
  Xaug <- rbind(Xa, cbind(0, pen), cbind(0, -pen))
  yaug <- c(y, rep(0, 2 * p))
  unname(coef(suppressWarnings(rq.fit.br(Xaug, yaug, tau = tau))))
}

lasso_sets <- c("stackloss", "engel", "lasso_synth")
datasets$lasso_synth <- synth
lasso_taus <- c(0.5, 0.25)
# fractions of alpha_max: from "most slopes zero" to "almost unpenalised".
# engel has a single slope, which is only zero above alpha_max.
fractions_for <- function(name) {
  if (name == "engel") c(1.5, 0.5, 0.02, 1e-4) else c(0.5, 0.15, 0.02, 1e-4)
}

lasso_records <- list()
max_rel_vertex <- 0
max_rel_default_eps <- 0
for (name in lasso_sets) {
  d <- design(datasets[[name]])
  n <- length(d$y)
  p <- ncol(d$X)
  df <- data.frame(d$X, y = d$y)
  for (tau in lasso_taus) {
    amax <- alpha_max(d$X, d$y, tau)
    for (fr in fractions_for(name)) {
      # round lambda to 4 significant digits so the fixture value is tidy
      lambda <- signif(fr * amax * 2 * n, 4)
      alpha <- lambda / (2 * n)
      obj_at <- function(b) {
        mean(rho(d$y - b[1] - drop(d$X %*% b[-1]), tau)) + alpha * sum(abs(b[-1]))
      }
      fit <- rq(y ~ ., data = df, tau = tau, method = "lasso",
                lambda = c(0, rep(lambda, p)), eps = 1e-12)
      b <- unname(coef(fit))
      fit_def <- rq(y ~ ., data = df, tau = tau, method = "lasso",
                    lambda = c(0, rep(lambda, p)))
      bv <- lasso_vertex(d$X, d$y, tau, lambda)
      obj <- obj_at(b)
      objv <- obj_at(bv)
      objd <- obj_at(unname(coef(fit_def)))
      max_rel_vertex <- max(max_rel_vertex, abs(obj - objv) / abs(objv))
      max_rel_default_eps <- max(max_rel_default_eps, abs(objd - objv) / abs(objv))
      cat(sprintf("lasso %-11s tau=%-4g lambda=%-10.4g alpha=%-10.4g zero slopes=%d/%d  rel(obj - vertex)=%.2e  (default eps: %.2e)\n",
                  name, tau, lambda, alpha, sum(abs(bv[-1]) < 1e-10), p,
                  (obj - objv) / abs(objv), (objd - objv) / abs(objv)))
      lasso_records[[length(lasso_records) + 1]] <- list(
        dataset = name, tau = tau, lambda = lambda, alpha = alpha,
        intercept = b[1], coef = b[-1], objective = obj,
        objective_vertex = objv, intercept_vertex = bv[1], coef_vertex = bv[-1])
    }
  }
}
write_json_records(lasso_records, file.path(out_dir, "r_rq_lasso.json"))
cat(sprintf("max relative objective gap, rq.fit.lasso(eps=1e-12) vs exact br vertex: %.3g\n",
            max_rel_vertex))
cat(sprintf("max relative objective gap, rq.fit.lasso(default eps=1e-6) vs exact br vertex: %.3g\n",
            max_rel_default_eps))
