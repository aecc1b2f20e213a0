# Reference fixture for the quantile process (sklearn_lad.quantile_process) from R's quantreg.
#
# Run from the repository root:
#     Rscript tools/make_r_process.R
#
# Reads the data sets tools/make_r_reference.R wrote (tests/data/engel.csv, stackloss.csv; the
# numbers there round-trip exactly) and writes tests/data/r_process.json:
#   [{"dataset", "taus", "intercept", "coef", "objective", "dual"}, ...]
# from rq(y ~ ., tau = -1), i.e. rq.fit.br's parametric simplex over all tau in (0, 1).
# `taus` is R's row "tau" of $sol (it starts at 0 and ends at 1); entry k of `intercept`
# and row k of `coef` (n_taus x p, row-major) are R's solution in column k of $sol, the one
# valid on [taus[k], taus[k+1]].  R lists some breakpoints where only the basis changes and
# the solution does not; the tests keep the ones where the solution changes.
# `objective` is R's Obj.Fun row, sum_i rho_tau(r_i) at taus[k].
# `dual` is $dsol as n_taus x n (row-major): R's rank scores
# a_i(tau) in [0, 1]; sklearn-lad's dual is a_i(tau) - (1 - tau), in [tau - 1, tau].

suppressPackageStartupMessages(library(quantreg))

out_dir <- file.path("tests", "data")

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

json_array <- function(v) paste0("[", paste(fmt_num(as.numeric(v)), collapse = ", "), "]")

json_matrix <- function(m) {
  rows <- vapply(seq_len(nrow(m)), function(i) json_array(m[i, ]), character(1))
  paste0("[", paste(rows, collapse = ",\n    "), "]")
}

records <- character(0)
for (name in c("engel", "stackloss")) {
  df <- read.csv(file.path(out_dir, paste0(name, ".csv")), check.names = FALSE)
  X <- as.matrix(df[, setdiff(names(df), "y"), drop = FALSE])
  y <- df$y
  fit <- rq(y ~ X, tau = -1)
  sol <- fit$sol
  p <- ncol(X)
  coef <- t(sol[4 + seq_len(p), , drop = FALSE])  # n_taus x p
  fields <- c(
    sprintf("\"dataset\": \"%s\"", name),
    sprintf("\"taus\": %s", json_array(sol["tau", ])),
    sprintf("\"intercept\": %s", json_array(sol[4, ])),
    sprintf("\"coef\": %s", json_matrix(coef)),
    sprintf("\"objective\": %s", json_array(sol["Obj.Fun", ]))
  )
  fields <- c(fields, sprintf("\"dual\": %s", json_matrix(t(fit$dsol))))
  records <- c(records, paste0("  {", paste(fields, collapse = ",\n   "), "}"))
  cat(sprintf("%s: %d columns in $sol\n", name, ncol(sol)))
}
cat(paste0("[\n", paste(records, collapse = ",\n"), "\n]\n"),
    file = file.path(out_dir, "r_process.json"))
cat("wrote tests/data/r_process.json\n")
