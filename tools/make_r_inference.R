# Generate R quantreg reference fixtures for sklearn_lad.inference.
#
# Run from the repository root (after tools/make_r_reference.R, which writes the
# engel and stackloss data sets):
#     Rscript tools/make_r_inference.R
#
# Writes into tests/data/:
#   hetero.csv          a simulated heteroscedastic data set (n = 120, two features,
#                       scale 0.5 + x1), written so Python reads R's exact doubles;
# Data sets: engel, stackloss and barro (written by tools/make_r_reference.R) and hetero.
#   r_inference.json    {"quantreg_version", "R_version", "summary": [...], "anova": [...]}
#     summary records:  {dataset, tau, se, hs, alpha (rank only), iid (rank only),
#                        weighted, coef, std_err, t_value, p_value} for iid/nid/ker and
#                        {..., coef, lower, upper} for rank, all from
#                        summary(rq(y ~ ., tau, weights), se = ..., hs = ..., alpha = ...,
#                        iid = ...).  Intercept first, then the features.
#     anova records:    {dataset, taus, ndf, ddf, statistic, p_value} from
#                        anova(f1, f2, f3) (joint Wald test of equal slopes, se = "nid").
#     boot records:     {dataset, tau, method, R, std_err, std_err_mc}: bootstrap SEs
#                        from boot.rq with R = 4000 replications (xy, wild, pwy) and the
#                        Monte-Carlo standard error of each SE.
suppressPackageStartupMessages(library(quantreg))

out_dir <- file.path("tests", "data")

fmt_num <- function(v) {
  vapply(v, function(x) {
    if (is.na(x)) return("NaN")
    if (!is.finite(x)) return(if (x > 0) "Infinity" else "-Infinity")
    for (d in 15:17) {
      s <- sprintf(paste0("%.", d, "g"), x)
      if (as.numeric(s) == x) return(s)
    }
    s
  }, character(1))
}

json_value <- function(x) {
  if (is.character(x) && length(x) == 1) return(paste0("\"", x, "\""))
  if (is.logical(x) && length(x) == 1) return(if (x) "true" else "false")
  if (inherits(x, "AsIs") || length(x) != 1) {
    return(paste0("[", paste(fmt_num(as.numeric(x)), collapse = ", "), "]"))
  }
  fmt_num(as.numeric(x))
}

json_record <- function(rec) {
  arrays <- c("coef", "std_err", "t_value", "p_value", "lower", "upper", "taus", "std_err_mc",
              "residual", "lower_out", "lower_in", "upper_in", "upper_out")
  fields <- vapply(names(rec), function(nm) {
    v <- rec[[nm]]
    if (nm %in% arrays) v <- I(as.numeric(v))
    paste0("\"", nm, "\": ", json_value(v))
  }, character(1))
  paste0("    {", paste(fields, collapse = ", "), "}")
}

read_data <- function(name) {
  read.csv(file.path(out_dir, paste0(name, ".csv")), check.names = FALSE)
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
  read_data(name)
}

set.seed(20261201)
n_h <- 120
x1 <- runif(n_h, 0, 2)
x2 <- rnorm(n_h)
y_h <- 1 + 2 * x1 - x2 + (0.5 + x1) * rnorm(n_h)
datasets <- list(
  engel = read_data("engel"),
  stackloss = read_data("stackloss"),
  barro = read_data("barro"),
  hetero = write_dataset(data.frame(x1 = x1, x2 = x2), y_h, "hetero")
)
# integer weights (a weight k is k repeated rows), used on the hetero set
weights_h <- rep(c(1, 2, 3), length.out = n_h)

taus_for <- list(engel = c(0.25, 0.5, 0.9), stackloss = c(0.25, 0.5, 0.75),
                 barro = c(0.25, 0.5, 0.75),
                 hetero = c(0.25, 0.5, 0.9))

records <- list()
add <- function(rec) records[[length(records) + 1]] <<- rec

for (name in names(datasets)) {
  df <- datasets[[name]]
  for (weighted in c(FALSE, TRUE)) {
    if (weighted && name != "hetero") next
    w <- if (weighted) weights_h else NULL
    for (tau in taus_for[[name]]) {
      fit <- suppressWarnings(rq(y ~ ., data = df, tau = tau, weights = w))
      for (se in c("iid", "nid", "ker")) {
        for (hs in c(TRUE, FALSE)) {
          if (se == "ker" && !hs) next  # ker does not use hs
          s <- suppressWarnings(summary(fit, se = se, hs = hs))
          cf <- s$coefficients
          add(list(dataset = name, tau = tau, se = se, hs = hs, weighted = weighted,
                   coef = cf[, 1], std_err = cf[, 2], t_value = cf[, 3],
                   p_value = cf[, 4]))
        }
      }
      for (alpha in c(0.1, 0.05)) {
        for (iid in c(TRUE, FALSE)) {
          for (hs in c(TRUE, FALSE)) {
            if (iid && !hs) next  # hs only enters the local densities (iid = FALSE)
            s <- suppressWarnings(summary(fit, se = "rank", alpha = alpha, iid = iid,
                                          hs = hs))
            cf <- s$coefficients
            add(list(dataset = name, tau = tau, se = "rank", hs = hs, alpha = alpha,
                     iid = iid, weighted = weighted,
                     coef = cf[, 1], lower = cf[, 2], upper = cf[, 3]))
          }
        }
      }
    }
  }
}

anova_records <- list()
for (name in c("engel", "stackloss", "hetero", "barro")) {
  df <- datasets[[name]]
  taus <- c(0.25, 0.5, 0.75)
  fits <- lapply(taus, function(t) suppressWarnings(rq(y ~ ., data = df, tau = t)))
  a <- suppressWarnings(anova(fits[[1]], fits[[2]], fits[[3]]))$table
  anova_records[[length(anova_records) + 1]] <- list(
    dataset = name, taus = taus, ndf = a$ndf, ddf = a$ddf, statistic = a$Tn,
    p_value = a$pvalue)
}

# Bootstrap standard errors from many replications (summary.rq's se = "boot" uses
# boot.rq and sqrt(diag(cov(B)))), with the Monte-Carlo standard error of each SE from the
# replicates' fourth moment: var(s) ~ (m4 - s^4) / (4 s^2 R).
boot_records <- list()
n_rep <- 4000
set.seed(20261202)
for (case in list(list("engel", 0.5), list("hetero", 0.25))) {
  df <- datasets[[case[[1]]]]
  X <- cbind(1, as.matrix(df[, setdiff(names(df), "y"), drop = FALSE]))
  for (method in c("xy", "wild", "pwy")) {
    B <- boot.rq(X, df$y, tau = case[[2]], R = n_rep, bsmethod = method)$B
    centred <- sweep(B, 2, colMeans(B))
    s2 <- colMeans(centred^2) * n_rep / (n_rep - 1)
    m4 <- colMeans(centred^4)
    boot_records[[length(boot_records) + 1]] <- list(
      dataset = case[[1]], tau = case[[2]], method = method, R = n_rep,
      std_err = sqrt(s2), std_err_mc = sqrt((m4 - s2^2) / (4 * s2 * n_rep)))
  }
}

# What boot.rq(bsmethod = "wild") perturbs (Feng, He and Hu 2011, section 3): the residuals of
# the fit corrected for leverage, r + h (tau - I(r < 0)) / f0, with h the hat values of the
# design and f0 akj's adaptive kernel density of the residuals at zero. Deterministic, so the
# Python side is checked to rounding here, and by Monte-Carlo against the boot records above.
wild_records <- list()
for (case in list(list("engel", 0.5), list("hetero", 0.25), list("barro", 0.75))) {
  df <- datasets[[case[[1]]]]
  X <- cbind(1, as.matrix(df[, setdiff(names(df), "y"), drop = FALSE]))
  fit <- rq.fit(X, df$y, tau = case[[2]])
  r <- c(fit$resid)
  f0 <- akj(r, z = 0)$dens
  h <- hat(X, intercept = FALSE)
  wild_records[[length(wild_records) + 1]] <- list(
    dataset = case[[1]], tau = case[[2]], density = f0,
    residual = r + h * (case[[2]] - I(r < 0)) / f0)
}

# The breakpoints R interpolates between (rq.fit.br(..., ci = TRUE, interp = FALSE)) on the
# integer stackloss data, where a few interpolated ends differ from ours: the last accepted
# ("_in") and the first rejected ("_out") breakpoint on each side.
bound_records <- list()
df <- datasets[["stackloss"]]
X <- cbind(1, as.matrix(df[, setdiff(names(df), "y"), drop = FALSE]))
for (tau in taus_for[["stackloss"]]) {
  for (alpha in c(0.1, 0.05)) {
    for (iid in c(TRUE, FALSE)) {
      cf <- suppressWarnings(rq.fit.br(X, df$y, tau = tau, ci = TRUE, interp = FALSE,
                                       alpha = alpha, iid = iid))$coefficients
      bound_records[[length(bound_records) + 1]] <- list(
        dataset = "stackloss", tau = tau, alpha = alpha, iid = iid, lower_out = cf[, 2],
        lower_in = cf[, 3], upper_in = cf[, 4], upper_out = cf[, 5])
    }
  }
}

txt <- paste0(
  "{\n  \"quantreg_version\": \"", as.character(packageVersion("quantreg")), "\",\n",
  "  \"R_version\": \"", R.version$major, ".", R.version$minor, "\",\n",
  "  \"summary\": [\n", paste(vapply(records, json_record, character(1)), collapse = ",\n"),
  "\n  ],\n  \"anova\": [\n",
  paste(vapply(anova_records, json_record, character(1)), collapse = ",\n"), "\n  ],\n",
  "  \"boot\": [\n",
  paste(vapply(boot_records, json_record, character(1)), collapse = ",\n"), "\n  ],\n",
  "  \"wild\": [\n",
  paste(vapply(wild_records, json_record, character(1)), collapse = ",\n"), "\n  ],\n",
  "  \"rank_bounds\": [\n",
  paste(vapply(bound_records, json_record, character(1)), collapse = ",\n"), "\n  ]\n}\n")
path <- file.path(out_dir, "r_inference.json")
cat(txt, file = path)
cat(sprintf("wrote %s (%d summary records, %d anova records)\n", path, length(records),
            length(anova_records)))
