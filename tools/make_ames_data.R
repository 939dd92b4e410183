# Rebuild d2lmini/data/ames_housing.csv from Debian's r-cran-modeldata package (modeldata 1.1.0, MIT).
# No row is dropped or sampled: the script keeps all 2,930 sales and eight numeric columns.
#
#   apt-get download r-cran-modeldata && dpkg-deb -x r-cran-modeldata_1.1.0-1_all.deb /tmp/modeldata
#   apt-get install --no-install-recommends r-base-core
#   Rscript tools/make_ames_data.R /tmp/modeldata/usr/lib/R/site-library/modeldata d2lmini/data/ames_housing.csv
#
# It reads the package's lazy-load database directly, so modeldata's R dependencies need not be installed.
args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 2)
data <- new.env()
lazyLoad(file.path(args[1], "data", "Rdata"), envir = data)
ames <- as.data.frame(data$ames)
columns <- c("Gr_Liv_Area", "Total_Bsmt_SF", "Lot_Area", "Year_Built", "Bedroom_AbvGr",
             "Full_Bath", "Garage_Cars", "Sale_Price")
ames <- ames[, columns]
stopifnot(nrow(ames) == 2930, !anyNA(ames))
for (name in columns) {
  stopifnot(all(ames[[name]] == round(ames[[name]])))  # whole numbers: nothing is rounded away
  ames[[name]] <- as.integer(ames[[name]])
}
write.csv(ames, args[2], row.names = FALSE, quote = FALSE)
