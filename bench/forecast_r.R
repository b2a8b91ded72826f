#!/usr/bin/env Rscript
# R's forecast package (Debian r-cran-forecast) under bench_forecast's
# protocol: for each series, horizon h = season (6 without one), 12 origins
# one step apart ending at n - h, expanding history; ets() and auto.arima()
# refitted at every origin (their usual use); MASE with each origin's
# seasonal-naive in-sample MAE as scale, RMSE over all errors; 80 %
# conformal coverage (half-widths from the first 6 origins' absolute errors
# per step, checked on the last 6), exactly as rl_backtest computes them.
#
#   Rscript bench/forecast_r.R examples/data [SERIES...]  -> TSV like bench_forecast
suppressMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) >= 1) args[1] else "examples/data"
series <- c(nottem = 12, UKgas = 4, USAccDeaths = 12, ldeaths = 12, mdeaths = 12, fdeaths = 12,
            JohnsonJohnson = 4, UKDriverDeaths = 12, Nile = 1, LakeHuron = 1, lynx = 1, BJsales = 1)
if (length(args) >= 2) series <- series[names(series) %in% args[-1]]
origins_n <- 12

coverage <- function(err, h, conf = 0.8) {
  n_cal <- origins_n / 2
  inside <- 0; total <- 0
  for (k in 1:h) {
    cal <- sort(abs(err[1:n_cal, k]))
    rank <- ceiling((n_cal + 1) * conf)
    q <- if (rank > n_cal) Inf else cal[rank]
    chk <- abs(err[(n_cal + 1):origins_n, k])
    inside <- inside + sum(chk <= q); total <- total + length(chk)
  }
  inside / total
}

cat("series\tmethod\tMASE\tRMSE\tcoverage80\tseconds\n")
for (name in names(series)) {
  m <- series[[name]]
  y <- read.csv(file.path(dir, paste0(name, ".csv")), comment.char = "#")$value
  n <- length(y); h <- if (m > 1) m else 6
  initial <- n - h - (origins_n - 1)
  fits <- list(ets = function(x) forecast(ets(x), h = h)$mean,
               auto.arima = function(x) forecast(auto.arima(x), h = h)$mean)
  for (method in names(fits)) {
    err <- matrix(NA, origins_n, h); scaled <- matrix(NA, origins_n, h)
    t0 <- proc.time()[["elapsed"]]
    for (o in 1:origins_n) {
      origin <- initial + o - 1
      x <- ts(y[1:origin], frequency = m)
      f <- as.numeric(fits[[method]](x))
      e <- y[(origin + 1):(origin + h)] - f
      err[o, ] <- e
      scaled[o, ] <- abs(e) / mean(abs(diff(y[1:origin], lag = m)))
    }
    secs <- proc.time()[["elapsed"]] - t0
    cat(sprintf("%s\t%s\t%.4f\t%.4f\t%.3f\t%.2f\n", name, method, mean(scaled),
                sqrt(mean(err^2)), coverage(err, h), secs))
  }
}
