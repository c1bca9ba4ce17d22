import Foundation
import TestSupport
import Testing

/// The library example (`Examples/BikeShare`, its own package): its nightly
/// command, built by `make example` / `make test` (LUNAPIPE_EXAMPLE_BIN),
/// run twice on its ride logs. Its numbers are checked against a plain
/// recount of the CSV lines; the second run is up to date.
@Suite(
  .enabled(
    if: try Prerequisites.available(
      "example binary", present: exampleBinary != nil,
      provider: "`make test` builds it with `make example-build` and sets LUNAPIPE_EXAMPLE_BIN",
      namedBy: "LUNAPIPE_EXAMPLE_BIN"),
    "the example's nightly binary (`make test` builds it)"))
struct ExampleTests {
  static let data = repositoryRoot + "/Examples/BikeShare/data"

  func run(_ args: [String]) throws -> (exit: Int32, stdout: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exampleBinary!)
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self))
  }

  /// Rides, minutes and fares (in cents) per (station, year), and the
  /// members, from the lines themselves.
  static func recount() throws -> [String: (rides: Int, minutes: Int, cents: Int, members: Set<String>)] {
    var groups: [String: (rides: Int, minutes: Int, cents: Int, members: Set<String>)] = [:]
    for file in ["rides-2023.csv", "rides-2024.csv"] {
      for f in try readCSV(data + "/" + file).dropFirst() {
        let key = "\(f[1]),\(f[2].prefix(4))"
        var g = groups[key] ?? (0, 0, 0, [])
        let fare = f[4].split(separator: ".")
        g.rides += 1
        g.minutes += Int(f[3])!
        g.cents += Int(fare[0])! * 100 + Int(fare[1])!
        if !f[5].isEmpty { g.members.insert(f[5]) }
        groups[key] = g
      }
    }
    return groups
  }

  @Test func theNightlyJobRunsAndASecondRunIsUpToDate() throws {
    let out = makeTempDir("example") + "/report"
    let first = try run(["--rides", Self.data + "/*.csv", "--out", out])
    #expect(first.exit == 0)
    #expect(first.stdout.contains("rides: 108 records accepted, 0 rejected"))
    let rows = try readCSV(out + "/by-station-year.csv")
    #expect(rows[0] == ["station", "year", "rides", "minutes", "fares", "members", "casual_rides", "long_rides", "last_ride"])
    let expected = try Self.recount()
    #expect(rows.count - 1 == expected.count)
    for r in rows.dropFirst() {
      let e = try #require(expected["\(r[0]),\(r[1])"])
      #expect([r[2], r[3], r[5]] == [String(e.rides), String(e.minutes), String(e.members.count)])
      #expect(r[4] == GroupValueText.cents(e.cents))
    }
    let second = try run(["--rides", Self.data + "/*.csv", "--out", out])
    #expect(second.exit == 0)
    #expect(second.stdout.contains("up to date"))
  }
}

/// `12345` cents as `123.45`.
enum GroupValueText {
  static func cents(_ c: Int) -> String { "\(c / 100).\(c % 100 < 10 ? "0" : "")\(c % 100)" }
}

/// The example's binary, when `make test` built it.
let exampleBinary: String? = ProcessInfo.processInfo.environment["LUNAPIPE_EXAMPLE_BIN"].flatMap {
  FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil
}
