# Time R quantreg's several-quantile fits for comparison with sklearn-lad's
# QuantileProcessRegressor and quantile_process (benchmarks/bench_process.py).
#
# Usage:
#     Rscript benchmarks/rq_process_time.R <datafile> <taus> <method> <repeats>
#
# <datafile>: raw little-endian float64: n and p (as doubles), then X column-major, then y
#   (the format of benchmarks/rq_time.R).
# <taus>: comma-separated levels, or "all" for the whole process rq(tau = -1).
# <method>: ppro (rq.fit.ppro: preprocessing along a grid of taus, Chernozhukov,
#   Fernandez-Val and Melly), fn, br, or process (rq.fit.br with tau = -1; <taus> = all).
# <repeats>: number of timed fits; the minimum elapsed time is reported.
#
# Prints one line of JSON: {"seconds" (elapsed), "cpu_seconds" (user + system CPU of this R
#   process), "taus", "objective": [mean rho per tau],
#   "n_breakpoints", "taus" and "coef" (process only: R's $sol row "tau" and the coefficient
#   rows, flattened column by column of $sol: row-major n_taus x (p + 1)), "method", "repeats"}.

suppressPackageStartupMessages(library(quantreg))

args <- commandArgs(trailingOnly = TRUE)
con <- file(args[1], "rb")
np <- readBin(con, "double", 2, endian = "little")
n <- np[1]; p <- np[2]
X <- matrix(readBin(con, "double", n * p, endian = "little"), n, p)
y <- readBin(con, "double", n, endian = "little")
close(con)
method <- args[3]
repeats <- as.integer(args[4])
rho <- function(u, tau) u * (tau - (u < 0))
fmt <- function(v) paste0("[", paste(sprintf("%.17g", v), collapse = ", "), "]")

best <- Inf
best_cpu <- Inf
for (r in seq_len(repeats)) {
  if (method == "process") {
    st <- system.time(fit <- rq(y ~ X, tau = -1))
  } else {
    taus <- as.numeric(strsplit(args[2], ",")[[1]])
    st <- system.time(fit <- rq(y ~ X, tau = taus, method = method))
  }
  best <- min(best, st[["elapsed"]])
  best_cpu <- min(best_cpu, st[["user.self"]] + st[["sys.self"]])
}
if (method == "process") {
  sol <- fit$sol
  cat(sprintf("{\"seconds\": %.6f, \"cpu_seconds\": %.6f, \"n_breakpoints\": %d, \"taus\": %s, \"coef\": %s, \"method\": \"%s\", \"repeats\": %d}\n",
              best, best_cpu, ncol(sol), fmt(sol[1, ]), fmt(sol[-(1:3), ]), method, repeats))
} else {
  B <- coef(fit)
  obj <- vapply(seq_along(taus), function(k) {
    mean(rho(y - cbind(1, X) %*% B[, k], taus[k]))
  }, numeric(1))
  cat(sprintf("{\"seconds\": %.6f, \"cpu_seconds\": %.6f, \"taus\": %s, \"objective\": %s, \"method\": \"%s\", \"repeats\": %d}\n",
              best, best_cpu, fmt(taus), fmt(obj), method, repeats))
}
