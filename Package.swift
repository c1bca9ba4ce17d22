// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "LunaPipe",
  products: [
    .library(name: "LunaPipeCore", targets: ["LunaPipeCore"]),
    .library(name: "LunaDomain", targets: ["LunaDomain"]),
    .library(name: "LunaPipelines", targets: ["LunaPipelines"]),
    .executable(name: "lunapipe", targets: ["lunapipe"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    // C boundary
    .systemLibrary(
      name: "CLibCSV",
      path: "Sources/CLibCSV",
      providers: [.apt(["libcsv-dev"])]
    ),
    .target(name: "CLunaShims", path: "Sources/CLunaShims"),

    // Engine: generic stages, knows nothing of LUNA
    .target(
      name: "LunaPipeCore",
      dependencies: ["CLibCSV", "CLunaShims"],
      path: "Sources/LunaPipeCore"
    ),

    // Domain: LUNA extracts, kommuner and regions, measures
    .target(
      name: "LunaDomain",
      dependencies: ["LunaPipeCore"],
      path: "Sources/LunaDomain"
    ),

    // Ready-made pipelines, built only from public stages
    .target(
      name: "LunaPipelines",
      dependencies: ["LunaPipeCore", "LunaDomain"],
      path: "Pipelines"
    ),

    // Sample extracts generator
    .target(
      name: "LunaSamples",
      dependencies: ["LunaDomain"],
      path: "Samples/Generator"
    ),

    // Tools
    .executableTarget(
      name: "lunapipe",
      dependencies: [
        "LunaPipeCore", "LunaDomain", "LunaPipelines", "LunaSamples",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/lunapipe"
    ),

    // Tests
    .target(
      name: "TestSupport",
      dependencies: ["LunaPipeCore"],
      path: "Tests/TestSupport"
    ),
    .testTarget(
      name: "LunaPipeCoreTests",
      dependencies: ["LunaPipeCore", "TestSupport"],
      path: "Tests/LunaPipeCoreTests"
    ),
    .testTarget(
      name: "LunaDomainTests",
      dependencies: ["LunaDomain", "TestSupport"],
      path: "Tests/LunaDomainTests"
    ),
    .testTarget(
      name: "PipelineTests",
      dependencies: ["LunaPipelines", "LunaSamples", "LunaDomain", "LunaPipeCore", "TestSupport"],
      path: "Tests/PipelineTests",
      exclude: []
    ),
  ],
  swiftLanguageModes: [.v5]
)
