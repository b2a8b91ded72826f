#!/usr/bin/env Rscript
# Exports the real series rnnlite's examples, tests and benches use to CSV.
#
# Source: the R package `datasets` shipped with R (Debian package
# r-base-core), R Core Team, "R: A Language and Environment for Statistical
# Computing", R Foundation for Statistical Computing, Vienna.
# Licence: the `datasets` package is part of R, GPL-2 | GPL-3 (see
# /usr/share/common-licenses/GPL-2 and `RShowDoc("COPYING")`); each series'
# original publication is cited in its R help page (?nottem etc.) and in
# examples/data/README.md.
#
# Run from the repository root:  Rscript examples/data/export_datasets.R
# Output: examples/data/<name>.csv with columns time,value (time as R's
# decimal year: 1920.000 is January 1920, 1920.083 February ...).
# The CSVs are committed; rerunning must give the same bytes.

out_dir <- "examples/data"
if (!dir.exists(out_dir)) stop("run from the repository root")

series <- list(
  nottem = nottem,                 # monthly, 1920-1939, deg F, Nottingham Castle
  UKgas = UKgas,                   # quarterly, 1960-1986, million therms
  USAccDeaths = USAccDeaths,       # monthly, 1973-1978, accidental deaths US
  ldeaths = ldeaths,               # monthly, 1974-1979, UK lung-disease deaths
  mdeaths = mdeaths,               # monthly, 1974-1979, male deaths
  fdeaths = fdeaths,               # monthly, 1974-1979, female deaths
  JohnsonJohnson = JohnsonJohnson, # quarterly, 1960-1980, earnings per share
  LakeHuron = LakeHuron,           # annual, 1875-1972, lake level (ft)
  Nile = Nile,                     # annual, 1871-1970, flow at Aswan (1e8 m^3)
  lynx = lynx,                     # annual, 1821-1934, lynx trappings
  nhtemp = nhtemp,                 # annual, 1912-1971, New Haven temperature
  UKDriverDeaths = UKDriverDeaths, # monthly, 1969-1984, UK drivers killed or injured
  BJsales = BJsales                # 150 points, Box & Jenkins sales (no season)
)

for (name in names(series)) {
  x <- series[[name]]
  df <- data.frame(time = sprintf("%.3f", as.numeric(time(x))),
                   value = format(as.numeric(x), trim = TRUE, digits = 15))
  path <- file.path(out_dir, paste0(name, ".csv"))
  con <- file(path, "w")
  writeLines(sprintf("# %s from R package 'datasets' (R %s), frequency %g, GPL-2|GPL-3; see examples/data/README.md",
                     name, paste(R.version$major, R.version$minor, sep = "."), frequency(x)), con)
  write.csv(df, con, row.names = FALSE, quote = FALSE)
  close(con)
  cat(sprintf("%-16s %4d points, frequency %g -> %s\n", name, length(x), frequency(x), path))
}
