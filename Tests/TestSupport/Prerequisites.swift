import Foundation

/// Something a test needs is not there, in a run that requires everything
/// (`make test`), or named by its variable but absent.
public struct MissingPrerequisite: Error, CustomStringConvertible {
  public let description: String
  public init(description: String) { self.description = description }
}

/// The built command: `LUNAPIPE_BIN`, or the release build in this checkout
/// (`make test` builds it and sets `LUNAPIPE_BIN`).
public let lunapipeBinary: String =
  ProcessInfo.processInfo.environment["LUNAPIPE_BIN"] ?? repositoryRoot + "/.build/release/lunapipe"

/// The full sample: `LUNAPIPE_FULL_SAMPLE`, or `Samples/full` in this
/// checkout (gitignored; `make test` writes it with `make samples` and sets
/// `LUNAPIPE_FULL_SAMPLE`).
public let fullSample: String =
  ProcessInfo.processInfo.environment["LUNAPIPE_FULL_SAMPLE"] ?? repositoryRoot + "/Samples/full"

/// What some tests need beyond a fresh checkout and the apt packages the
/// build needs, each a predicate for a condition trait:
///
///     @Suite(.enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it"))
///
/// A predicate is true when the thing is there. When it is not, it is false,
/// so a plain `swift test` skips the tests that need it and lists them as
/// skipped; but it throws, which fails those tests, when
/// `LUNAPIPE_REQUIRE_ALL` is set (`make test` sets it, so that CI can never
/// skip a test silently) or when the variable naming the thing
/// (`LUNAPIPE_BIN`, `LUNAPIPE_FULL_SAMPLE`) is set but names nothing usable.
///
/// What each thing is present as is looked up once per test process.
public enum Prerequisites {
  /// The variable that makes every prerequisite required.
  public static let requireAllVariable = "LUNAPIPE_REQUIRE_ALL"

  /// Whether `environment` requires every prerequisite: `LUNAPIPE_REQUIRE_ALL`
  /// set to anything but empty or `0`.
  public static func requiresAll(_ environment: [String: String]) -> Bool {
    guard let value = environment[requireAllVariable] else { return false }
    return !value.isEmpty && value != "0"
  }

  /// The rule every predicate applies: `present` gives true; absent gives
  /// false (skip), unless `environment` requires everything or sets
  /// `variable` (the thing was named, so its absence is a mistake), when it
  /// throws `MissingPrerequisite` naming `what` and `provider`.
  public static func available(
    _ what: String, present: Bool, provider: String, namedBy variable: String? = nil,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> Bool {
    if present { return true }
    if let variable, let value = environment[variable] {
      throw MissingPrerequisite(description: "\(variable)=\(value), but there is no \(what) there (\(provider))")
    }
    if requiresAll(environment) {
      throw MissingPrerequisite(
        description: "\(requireAllVariable) is set, but there is no \(what) (\(provider)): a test that needs it "
          + "fails instead of being skipped")
    }
    return false
  }

  /// The `lunapipe` command at `lunapipeBinary`.
  public static var binary: Bool {
    get throws {
      try available(
        "lunapipe binary at \(lunapipeBinary)", present: binaryPresent,
        provider: "`make test` builds it and sets LUNAPIPE_BIN", namedBy: "LUNAPIPE_BIN")
    }
  }

  /// The full sample's claims extracts (the five years) at `fullSample`.
  public static var fullSample: Bool {
    get throws {
      try available(
        "full sample in \(TestSupport.fullSample)", present: fullSamplePresent,
        provider: "`make test` writes it with `make samples` and sets LUNAPIPE_FULL_SAMPLE",
        namedBy: "LUNAPIPE_FULL_SAMPLE")
    }
  }

  /// Headless Chromium on the PATH, to render the HTML report.
  public static var chromium: Bool {
    get throws {
      try available("chromium on the PATH", present: chromiumPresent, provider: "`make test` installs chromium")
    }
  }

  /// Poppler's pdftotext and pdfinfo on the PATH, to read the printed report.
  public static var poppler: Bool {
    get throws {
      try available(
        "pdftotext and pdfinfo on the PATH", present: popplerPresent, provider: "`make test` installs poppler-utils")
    }
  }

  /// A Python 3 that imports openpyxl, to read the Excel workbook.
  public static var openpyxl: Bool {
    get throws {
      try available(
        "python3 that imports openpyxl", present: openpyxlPresent, provider: "`make test` installs python3-openpyxl")
    }
  }

  /// A Python 3 (its standard library alone), to decode a screenshot.
  public static var python3: Bool {
    get throws {
      try available(
        "python3", present: python3Present, provider: "`make test` installs python3-openpyxl, which brings python3")
    }
  }

  /// util-linux's `script`, to run the command on a pseudo-terminal.
  public static var script: Bool {
    get throws {
      try available("/usr/bin/script", present: scriptPresent, provider: "Debian's bsdutils, an essential package")
    }
  }

  static let binaryPresent = FileManager.default.isExecutableFile(atPath: lunapipeBinary)
  static let fullSamplePresent = (2019...2023).allSatisfy {
    FileManager.default.fileExists(atPath: TestSupport.fullSample + "/ydelser-\($0).csv")
  }
  static let chromiumPresent = (try? TestSupport.chromium()) != nil
  static let popplerPresent = (try? TestSupport.poppler()) != nil
  static let openpyxlPresent = (try? TestSupport.python3(with: "openpyxl")) != nil
  static let python3Present = (try? TestSupport.python3(with: "zlib")) != nil
  static let scriptPresent = FileManager.default.isExecutableFile(atPath: "/usr/bin/script")
}
