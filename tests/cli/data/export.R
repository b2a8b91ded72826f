# Real series for the rnnlite tool's tests, from R's `datasets` package
# (Debian r-base-core; R itself is GPL, the datasets are public data):
#   Nile          annual flow of the Nile at Aswan, 1871-1970, 10^8 m^3
#                 (Durbin & Koopman 2001; Cobb 1978)
#   USAccDeaths   monthly accidental deaths in the USA, 1973-1978
#                 (Brockwell & Davis 1991)
# Run from this directory: Rscript export.R
nile <- data.frame(year = as.integer(time(Nile)), flow = as.numeric(Nile))
write.csv(nile, "nile.csv", row.names = FALSE, quote = FALSE)
t <- time(USAccDeaths)
acc <- data.frame(month = sprintf("%d-%02d", as.integer(floor(t + 1e-9)), as.integer(round((t - floor(t + 1e-9)) * 12)) + 1L),
                  deaths = as.numeric(USAccDeaths))
write.csv(acc, "usaccdeaths.csv", row.names = FALSE, quote = FALSE)
