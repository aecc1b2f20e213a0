# Time R quantreg fits for comparison with sklearn-lad.
#
# Usage:
#     Rscript benchmarks/rq_time.R <datafile> <tau> <method> <repeats> [lambda]
#
# <datafile>: raw little-endian float64 file, as written from Python by e.g.
#     np.concatenate([[n, p], X.ravel(order="F"), y]).astype("<f8").tofile(path)
#   i.e. n and p (as doubles), then X column-major (n * p values), then y (n).
# <method>: br | fn | pfn | lasso
#   br    simplex (Barrodale-Roberts), rq.fit.br
#   fn    Frisch-Newton interior point, rq.fit.fnb
#   pfn   Frisch-Newton with Portnoy-Koenker preprocessing, rq.fit.pfn.  In
#         quantreg 5.94 rq.fit() dispatches method = "pfn" to rq.fit.pfn
#         (which subsamples m = sqrt(p) * n^(2/3) rows and calls rq.fit.fnb),
#         so the name is used as is.  ("pfnb" is a different, Fortran
#         preprocessing routine that is not exposed here.)
#   lasso rq.fit.lasso with lambda vector c(0, rep(lambda, p)): the intercept
#         column is unpenalised.  <lambda> is quantreg's lambda.  NOTE:
#         rq.fit.lasso minimises sum rho_tau(r) + (lambda / 2) * sum |b_j|
#         (its penalty pseudo-rows are fitted at tau = 0.5), so in sklearn-lad
#         scaling alpha = lambda / (2 * n).
# <repeats>: number of timed fits; the minimum elapsed time is reported.
#
# Prints one line of JSON to stdout:
#   {"seconds": <min elapsed>, "intercept": b0, "coef": [...],
#    "objective": <objective in sklearn-lad scaling>, "loss": <mean rho>,
#    "n": n, "p": p, "tau": tau, "method": "...", "repeats": r
#    [, "lambda": lambda, "alpha": lambda / (2 n)]}
# "objective" = mean rho_tau(residuals) for br/fn/pfn (identical to "loss"),
# and mean rho_tau(residuals) + alpha * sum |coef| for lasso.

suppressPackageStartupMessages(library(quantreg))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 4 || length(args) > 5) {
  stop("usage: Rscript rq_time.R <datafile> <tau> <method> <repeats> [lambda]")
}
path <- args[1]
tau <- as.numeric(args[2])
method <- args[3]
repeats <- as.integer(args[4])
lambda <- if (length(args) == 5) as.numeric(args[5]) else NA_real_
if (!(method %in% c("br", "fn", "pfn", "lasso"))) {
  stop("method must be one of br, fn, pfn, lasso")
}
if (method == "lasso" && is.na(lambda)) stop("method lasso needs a lambda")
if (is.na(repeats) || repeats < 1) stop("repeats must be a positive integer")

con <- file(path, "rb")
np <- readBin(con, what = "double", n = 2, size = 8, endian = "little")
n <- as.integer(np[1])
p <- as.integer(np[2])
X <- matrix(readBin(con, what = "double", n = n * p, size = 8, endian = "little"),
            nrow = n, ncol = p)
y <- readBin(con, what = "double", n = n, size = 8, endian = "little")
close(con)
if (length(y) != n) stop("data file is too short")

x <- cbind(1, X)

fit_once <- function() {
  if (method == "lasso") {
    rq.fit(x = x, y = y, tau = tau, method = "lasso", lambda = c(0, rep(lambda, p)))
  } else {
    rq.fit(x = x, y = y, tau = tau, method = method)
  }
}

set.seed(1)  # pfn subsamples at random
best <- Inf
fit <- NULL
for (i in seq_len(repeats)) {
  gc(verbose = FALSE)
  t0 <- proc.time()[["elapsed"]]
  f <- suppressWarnings(fit_once())
  elapsed <- proc.time()[["elapsed"]] - t0
  if (elapsed < best) best <- elapsed
  fit <- f
}

b <- unname(as.numeric(fit$coefficients))
res <- y - drop(x %*% b)
loss <- mean(res * (tau - (res < 0)))
alpha <- if (method == "lasso") lambda / (2 * n) else 0
objective <- loss + alpha * sum(abs(b[-1]))

fmt_num <- function(v) {
  vapply(v, function(z) {
    if (is.na(z)) return("null")
    for (d in 15:17) {
      s <- sprintf(paste0("%.", d, "g"), z)
      if (as.numeric(s) == z) return(s)
    }
    s
  }, character(1))
}

fields <- c(
  sprintf("\"seconds\": %s", fmt_num(round(best, 6))),
  sprintf("\"intercept\": %s", fmt_num(b[1])),
  sprintf("\"coef\": [%s]", paste(fmt_num(b[-1]), collapse = ", ")),
  sprintf("\"objective\": %s", fmt_num(objective)),
  sprintf("\"loss\": %s", fmt_num(loss)),
  sprintf("\"n\": %d", n),
  sprintf("\"p\": %d", p),
  sprintf("\"tau\": %s", fmt_num(tau)),
  sprintf("\"method\": \"%s\"", method),
  sprintf("\"repeats\": %d", repeats)
)
if (method == "lasso") {
  fields <- c(fields, sprintf("\"lambda\": %s", fmt_num(lambda)),
              sprintf("\"alpha\": %s", fmt_num(alpha)))
}
cat(paste0("{", paste(fields, collapse = ", "), "}\n"))
