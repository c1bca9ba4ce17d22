// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "LunaPipe",
  // Linux (Debian) is where it is built and tested; on macOS the Linux-only
  // calls have portable fallbacks (CLunaShims).
  platforms: [.macOS(.v14)],
  products: [
    .library(name: "LunaPipeCore", targets: ["LunaPipeCore"]),
    .library(name: "LunaReports", targets: ["LunaReports"]),
    .library(name: "LunaDomain", targets: ["LunaDomain"]),
    .library(name: "LunaPipelines", targets: ["LunaPipelines"]),
    .library(name: "LunaOps", targets: ["LunaOps"]),
    .executable(name: "lunapipe", targets: ["lunapipe"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    // Plan files (`lunapipe run plan FILE`): YAML with the line of every
    // key, so a plan's mistake is reported where the analyst made it
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    // `make docs`: the DocC plugin (swift package generate-documentation);
    // a command plugin only, no target depends on it
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
  ],
  targets: [
    // C boundary
    .systemLibrary(
      name: "CLibCSV",
      path: "Sources/CLibCSV",
      providers: [.apt(["libcsv-dev"])]
    ),
    .target(name: "CLunaShims", path: "Sources/CLunaShims"),
    .systemLibrary(
      name: "CSQLite",
      path: "Sources/CSQLite",
      providers: [.apt(["libsqlite3-dev"])]
    ),
    .systemLibrary(
      name: "CXLSXWriter",
      path: "Sources/CXLSXWriter",
      pkgConfig: "xlsxwriter",
      providers: [.apt(["libxlsxwriter-dev"])]
    ),
    .systemLibrary(
      name: "CCrypto",
      path: "Sources/CCrypto",
      providers: [.apt(["libssl-dev"])]
    ),

    // Engine: generic stages, knows nothing of LUNA; needs libcsv alone
    .target(
      name: "LunaPipeCore",
      dependencies: ["CLibCSV", "CLunaShims"],
      path: "Sources/LunaPipeCore"
    ),

    // Reports people open: the HTML page with SVG charts, the Excel
    // workbook (libxlsxwriter)
    .target(
      name: "LunaReports",
      dependencies: ["LunaPipeCore", "CXLSXWriter"],
      path: "Sources/LunaReports"
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
      dependencies: ["LunaPipeCore", "LunaDomain", "LunaReports", .product(name: "Yams", package: "Yams")],
      path: "Pipelines",
      // Examples of a user's plan and of the files a region supplies
      // (SuppliedTable), read by path
      exclude: ["Praksisplan/examples", "Praksisplan/supplied"],
      // The built-in praksisplan is a plan file like a user's, compiled in
      // so the binary needs no resource bundle beside it.
      resources: [.embedInCode("Praksisplan/praksisplan.yaml")]
    ),

    // Operating runs: history (SQLite), input fingerprints, the run lock,
    // what changed between runs
    .target(
      name: "LunaOps",
      dependencies: [
        "LunaPipeCore", "CSQLite", "CCrypto", .product(name: "Logging", package: "swift-log"),
      ],
      path: "Sources/LunaOps"
    ),

    // Sample extracts generator
    .target(
      name: "LunaSamples",
      dependencies: ["LunaDomain"],
      path: "Samples/Generator",
      resources: [.copy("Published")]
    ),

    // Tools
    .executableTarget(
      name: "lunapipe",
      dependencies: [
        "LunaPipeCore", "LunaDomain", "LunaPipelines", "LunaSamples", "LunaOps",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ],
      path: "Sources/lunapipe"
    ),
    // In-process benchmarks of the library's stages (`make bench-stages`).
    .executableTarget(
      name: "lunapipe-bench",
      dependencies: ["LunaPipeCore", "LunaDomain"],
      path: "Sources/lunapipe-bench"
    ),
    // libFuzzer target for ingest and validation (`make fuzz`); built
    // without the fuzzer it replays the inputs given as arguments.
    .executableTarget(
      name: "lunapipe-fuzz",
      dependencies: ["LunaPipeCore", "LunaDomain"],
      path: "Sources/lunapipe-fuzz"
    ),

    // `make bench-rows`: typed rows (`records(as:)`) against the scan's
    // own aggregate of the same sum
    .executableTarget(
      name: "bench-typed-rows",
      dependencies: ["LunaPipeCore"],
      path: "Benchmarks/TypedRows"
    ),

    // Tests
    .target(
      name: "TestSupport",
      dependencies: ["LunaPipeCore"],
      path: "Tests/TestSupport"
    ),
    .testTarget(
      name: "LunaPipeCoreTests",
      dependencies: ["LunaPipeCore", "LunaReports", "CLunaShims", "TestSupport"],
      path: "Tests/LunaPipeCoreTests"
    ),
    .testTarget(
      name: "LunaDomainTests",
      dependencies: ["LunaDomain", "LunaReports", "TestSupport"],
      path: "Tests/LunaDomainTests"
    ),
    .testTarget(
      name: "LunaOpsTests",
      dependencies: ["LunaOps", "LunaPipeCore", "TestSupport"],
      path: "Tests/LunaOpsTests"
    ),
    .testTarget(
      name: "HostileInputTests",
      dependencies: ["LunaPipeCore", "LunaDomain", "LunaPipelines", "TestSupport"],
      path: "Tests/HostileInputTests",
      exclude: ["corpus"]
    ),
    .testTarget(
      name: "PipelineTests",
      dependencies: ["LunaPipelines", "LunaSamples", "LunaDomain", "LunaPipeCore", "LunaReports", "TestSupport"],
      path: "Tests/PipelineTests",
      // the plain recount the region tests compare with (python3)
      exclude: ["Recount"]
    ),
  ],
  swiftLanguageModes: [.v6]
)
