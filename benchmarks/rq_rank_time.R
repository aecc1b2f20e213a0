# Time R quantreg's summary(rq(...), se = "rank") for benchmarks/bench_inference.py.
#
# Usage:
#     Rscript benchmarks/rq_rank_time.R <datafile> <tau> <repeats>
#
# <datafile>: raw little-endian float64: n, p, X column-major (n * p values), y (n).
# Times (inside R, no start-up or I/O) the fit rq(y ~ X, tau, method = "br") once and then
# summary(fit, se = "rank") <repeats> times (alpha = 0.1, iid = TRUE, R's defaults).
# Prints one line of JSON: {"fit_seconds", "rank_seconds" (each repeat), "lower", "upper"}.
suppressPackageStartupMessages(library(quantreg))
args <- commandArgs(trailingOnly = TRUE)
con <- file(args[1], "rb")
head <- readBin(con, "double", 2, endian = "little")
n <- head[1]
p <- head[2]
X <- matrix(readBin(con, "double", n * p, endian = "little"), n, p)
y <- readBin(con, "double", n, endian = "little")
close(con)
tau <- as.numeric(args[2])
repeats <- as.integer(args[3])
t0 <- proc.time()[["elapsed"]]
fit <- rq(y ~ X, tau = tau, method = "br")
fit_seconds <- proc.time()[["elapsed"]] - t0
times <- numeric(repeats)
for (k in seq_len(repeats)) {
  t0 <- proc.time()[["elapsed"]]
  s <- summary(fit, se = "rank")
  times[k] <- proc.time()[["elapsed"]] - t0
}
cf <- s$coefficients
num <- function(v) paste(sprintf("%.17g", v), collapse = ", ")
cat(sprintf('{"fit_seconds": %.6f, "rank_seconds": [%s], "lower": [%s], "upper": [%s]}\n',
            fit_seconds, num(times), num(cf[, 2]), num(cf[, 3])))
