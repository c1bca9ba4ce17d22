// swift-tools-version:6.0
// An example of LunaPipe as a library: a bike-share operator's nightly
// report from plain CSV ride logs (nothing Danish, nothing LUNA). Built on
// LunaPipeCore (schema, stages, aggregation) and LunaOps (the runner: lock,
// history, up-to-date re-runs, atomic publish). `make example` in the
// repository builds and runs it.
import PackageDescription

let package = Package(
  name: "BikeShare",
  platforms: [.macOS(.v14)],
  products: [
    .library(name: "BikeShare", targets: ["BikeShare"]),
    .executable(name: "bikeshare-nightly", targets: ["bikeshare-nightly"]),
  ],
  dependencies: [
    .package(name: "LunaPipe", path: "../..")
  ],
  targets: [
    .target(
      name: "BikeShare",
      dependencies: [.product(name: "LunaPipeCore", package: "LunaPipe")]),
    .executableTarget(
      name: "bikeshare-nightly",
      dependencies: ["BikeShare", .product(name: "LunaOps", package: "LunaPipe")]),
  ]
)
