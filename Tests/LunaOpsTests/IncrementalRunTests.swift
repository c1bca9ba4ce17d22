import Foundation
import LunaOps
import LunaPipeCore
import TestSupport
import Testing

/// Incremental runs (`IncrementalStore`): after any sequence of files
/// added, replaced, renamed and removed, a run that reuses the kept states
/// publishes exactly what a full run over the same files publishes, and
/// scans only the files whose content it has not kept.
@Suite struct IncrementalRunTests {
  static let schema = Schema(columns: [
    Column("state", .text(maxLength: 20)), Column("date", .date(.iso, years: 2020...2029)),
    Column("amount", .decimal(scale: 2)), Column("patient", .text(maxLength: 60)),
    Column("qty", .integer(0...100)),
  ])

  /// Two aggregations fed by one scan, after a derive and a filter: text
  /// keys, date parts, sums, counts, minima, maxima and distinct counts
  /// with and without a filter.
  static let aggregations = [
    Aggregation(
      keys: ["state", .year("date")],
      measures: [
        .sum("amount"), .count(), .min("date", as: "first"), .max("amount", as: "largest"),
        .distinct("patient", as: "patients"), .distinct("patient", as: "buyers", where: .greater("qty", than: 2)),
      ]),
    Aggregation(keys: [.month("date"), "band"], measures: [.distinct("patient", as: "patients"), .sum("qty")]),
    // Entity texts as keys: their values are printed, so a state that kept
    // one wrongly shows.
    Aggregation(keys: ["patient"], measures: [.count(), .min("amount")]),
  ]

  static func job(_ patterns: [String]) -> RunJob {
    RunJob(pipeline: "visits", inputs: [.init(kind: "visits", patterns: patterns)]) { context in
      let results = try Pipeline("visits").readCSV(patterns).validate(schema)
        .derive("band", .integer(0...9)) { r in r.int("qty").map { $0 / 10 } }
        .filter("no-zero-amounts") { r in r.decimal("amount") != 0 }
        .aggregate(aggregations).run(in: context)
      guard let output = context.output else { return }
      // The finest grain, and rollups across files (a patient seen in two
      // files, or under two keys, counts once).
      let tables: [(String, Int, [String]?)] = [
        ("finest.csv", 0, nil), ("by-state.csv", 0, ["state"]), ("by-year.csv", 0, ["year(date)"]),
        ("months.csv", 1, nil), ("by-band.csv", 1, ["band"]), ("patients.csv", 2, nil),
      ]
      for (name, a, keys) in tables {
        try Data(try results[a].rows(by: keys).csv.utf8).write(to: URL(fileURLWithPath: try output.path(for: name)))
      }
    }
  }

  /// One delivery's content: `lines` visits, some broken (rejects), some
  /// with a long patient id, an empty line now and then; unique by `tag`.
  static func delivery(_ rng: inout SeededGenerator, tag: Int) -> String {
    let states = ["CA", "NY", "TX", "Ærø", "Øst"]
    let delimiter = Bool.random(using: &rng) ? "," : ";"
    var text = ["state", "date", "amount", "patient", "qty"].joined(separator: delimiter) + "\n"
    let lines = Int.random(in: 5...60, using: &rng)
    for i in 0..<lines {
      let state = states.randomElement(using: &rng)!
      let date = String(format: "202%d-%02d-%02d", Int.random(in: 2...4, using: &rng), Int.random(in: 1...12, using: &rng), Int.random(in: 1...28, using: &rng))
      var amount = String(format: "%d.%02d", Int.random(in: 0...500, using: &rng), Int.random(in: 0...99, using: &rng))
      if Int.random(in: 0..<25, using: &rng) == 0 { amount = "n/a" }
      let n = Int.random(in: 0..<40, using: &rng)
      // Long ids (kept by their text), 16 hex digits (kept in 8 bytes), short ones.
      let patient =
        n < 3
        ? "patient-with-a-rather-long-identifier-\(n)"
        : n < 12 ? String(format: "%016llx", UInt64(n) &* 0x9E37_79B9_7F4A_7C15) : "p\(n)"
      let qty = i == 0 ? tag % 100 : Int.random(in: 0...12, using: &rng)
      text += [state, date, amount, patient, String(qty)].joined(separator: delimiter) + "\n"
      if Int.random(in: 0..<30, using: &rng) == 0 { text += "\n" }
    }
    // The tag makes every delivery's content its own.
    text += ["CA", "2022-01-01", "1.00", "tag\(tag)", "0"].joined(separator: delimiter) + "\n"
    return text
  }

  /// The published files of `out`, but the run's own record of itself
  /// (its id, times, what it reused), by name.
  static func outputs(_ out: String) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: out)
    where name != "run-report.json" && name != ".lunapipe-output" {
      files[name] = try Data(contentsOf: URL(fileURLWithPath: out + "/" + name))
    }
    return files
  }

  static func run(_ work: String, _ data: String, incremental: Bool, threads: Int) throws -> RunReport {
    var settings = RunSettings(
      outputDirectory: work + "/out", threads: threads, maxRejectShare: 0.5, force: true, acceptDrop: true,
      arguments: ["test"])
    settings.incremental = incremental
    let outcome = try Runner(settings).run(job([data + "/*.csv"]))
    guard case .published(_, let report, _) = outcome else { throw PipelineError.output("not published: \(outcome)") }
    return report
  }

  @Test(arguments: [1, 2, 3])
  func anySequenceOfAdditionsReplacementsRenamesAndRemovalsGivesAFullRunsOutputs(seed: UInt64) throws {
    var rng = SeededGenerator(seed: seed)
    let data = makeTempDir("lunapipe-visits")
    let (inc, full) = (makeTempDir("lunapipe-inc"), makeTempDir("lunapipe-full"))
    var names: [String] = []
    var tag = 0
    func add() {
      tag += 1
      let name = "visits-\(tag).csv"
      writeFile(data, name, Self.delivery(&rng, tag: tag))
      names.append(name)
    }
    for _ in 0..<3 { add() }
    var expectedScans = 3
    for step in 0..<14 {
      // Whether the last run's files are all still read (files only added
      // or renamed): then its checkpoint is merged.
      var checkpointFits = false
      if step > 0 {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0, 1:
          add()
          expectedScans = 1
          checkpointFits = true
        case 2:
          // A corrected copy of a delivery, under its name.
          tag += 1
          writeFile(data, names.randomElement(using: &rng)!, Self.delivery(&rng, tag: tag))
          expectedScans = 1
        case 3 where names.count > 1:
          let i = Int.random(in: 0..<names.count, using: &rng)
          try FileManager.default.removeItem(atPath: data + "/" + names.remove(at: i))
          expectedScans = 0
        default:
          // The same content under another name: nothing to scan.
          let i = Int.random(in: 0..<names.count, using: &rng)
          tag += 1
          let renamed = "visits-\(tag).csv"
          try FileManager.default.moveItem(atPath: data + "/" + names[i], toPath: data + "/" + renamed)
          names[i] = renamed
          expectedScans = 0
          checkpointFits = true
        }
      }
      let threads = Int.random(in: 1...2, using: &rng)
      let a = try Self.run(inc, data, incremental: true, threads: threads)
      let b = try Self.run(full, data, incremental: false, threads: 3 - threads)
      let (outA, outB) = (try Self.outputs(inc + "/out"), try Self.outputs(full + "/out"))
      #expect(outA.keys.sorted() == outB.keys.sorted(), "step \(step)")
      for (name, bytes) in outB {
        #expect(outA[name] == bytes, "seed \(seed), step \(step): \(name) differs from the full run's")
      }
      #expect(a.inputs == b.inputs, "step \(step)")
      #expect(a.totals == b.totals && a.volumes == b.volumes && a.rejectsByRule == b.rejectsByRule)
      #expect(a.filtered == b.filtered && a.notes == b.notes)
      #expect(b.incremental == nil)
      let kept = try #require(a.incremental)
      #expect(kept.scannedFiles == expectedScans, "seed \(seed), step \(step)")
      #expect(kept.reusedFiles == names.count - expectedScans)
      // One state and one rejects file per file read, and the checkpoint of
      // the last run's totals; nothing else.
      let folders = try FileManager.default.contentsOfDirectory(atPath: inc + "/lunapipe-incremental")
      let signatures = try FileManager.default.contentsOfDirectory(atPath: inc + "/lunapipe-incremental/" + folders[0])
      #expect(signatures.count == 1)
      let states = try FileManager.default.contentsOfDirectory(
        atPath: inc + "/lunapipe-incremental/" + folders[0] + "/" + signatures[0])
      #expect(states.filter { $0.hasSuffix(".lpstate") }.count == names.count)
      #expect(states.filter { $0.hasSuffix(".lprejects") }.count == names.count)
      #expect(states.contains("checkpoint.lpmerged"))
      #expect(states.count == 2 * names.count + 1)
      #expect(kept.checkpoint == checkpointFits, "step \(step)")
      #expect(a.totals.rejected > 0 || step < 2)
    }
  }

  /// A folder of `count` deliveries (`visits-1.csv` …), made from `seed`.
  static func deliveries(seed: UInt64, count: Int) -> String {
    var rng = SeededGenerator(seed: seed)
    let data = makeTempDir("lunapipe-visits")
    for tag in 1...count { writeFile(data, "visits-\(tag).csv", delivery(&rng, tag: tag)) }
    return data
  }

  /// The state folder of the runs in `work`.
  static func stateFolder(_ work: String) throws -> String {
    let base = work + "/lunapipe-incremental"
    let out = base + "/" + (try FileManager.default.contentsOfDirectory(atPath: base)[0])
    let signature = try FileManager.default.contentsOfDirectory(atPath: out).first { $0.count == 32 }!
    return out + "/" + signature
  }

  @Test func aDamagedStateIsSetAsideItsFileScannedAgainAndTheOutputsAreAFullRuns() throws {
    let data = Self.deliveries(seed: 42, count: 5)
    let (inc, full) = (makeTempDir("lunapipe-inc"), makeTempDir("lunapipe-full"))
    _ = try Self.run(inc, data, incremental: true, threads: 2)
    let folder = try Self.stateFolder(inc)
    let states = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".lpstate") }.sorted()
    #expect(states.count == 5)
    func damage(_ name: String, _ change: (inout Data) -> Void) throws {
      var bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
      change(&bytes)
      try bytes.write(to: URL(fileURLWithPath: folder + "/" + name))
    }
    // A byte changed in an entity block of the checkpoint and of a state
    // (found while merging, after other files were merged: the merge starts
    // again, from the files' states, then without the damaged one), one
    // state cut short, one's rejects file gone, a byte changed in a header.
    try damage("checkpoint.lpmerged") { $0[9] ^= 0x20 }
    try damage(states[0]) { $0[9] ^= 0x20 }
    try damage(states[1]) { $0 = $0.prefix($0.count - 5) }
    try FileManager.default.removeItem(atPath: folder + "/" + states[2].replacingOccurrences(of: ".lpstate", with: ".lprejects"))
    try damage(states[3]) { $0[$0.count - 20] ^= 0x01 }

    let a = try Self.run(inc, data, incremental: true, threads: 2)
    let b = try Self.run(full, data, incremental: false, threads: 1)
    #expect(try Self.outputs(inc + "/out") == (try Self.outputs(full + "/out")))
    let kept = try #require(a.incremental)
    #expect(kept.scannedFiles == 4)
    #expect(kept.reusedFiles == 1)
    #expect(kept.setAside.count == 5, "\(kept.setAside)")
    #expect(kept.setAside.allSatisfy { $0.contains("set aside as") && $0.contains("scanned again") }, "\(kept.setAside)")
    #expect(kept.setAside.contains { $0.contains("checksum") && $0.contains(states[0]) }, "\(kept.setAside)")
    #expect(kept.setAside.contains { $0.contains("checksum") && $0.contains("checkpoint.lpmerged") }, "\(kept.setAside)")
    #expect(a.totals == b.totals)
    // Set aside, not deleted; the states made anew are whole.
    let damaged = try FileManager.default.contentsOfDirectory(atPath: inc + "/lunapipe-incremental/" +
      (try FileManager.default.contentsOfDirectory(atPath: inc + "/lunapipe-incremental")[0]) + "/damaged")
    #expect(damaged.filter { $0.hasSuffix(".lpstate") }.count == 4)
    #expect(damaged.filter { $0.hasSuffix("checkpoint.lpmerged") }.count == 1)
    let again = try Self.run(inc, data, incremental: true, threads: 1)
    #expect(again.incremental?.reusedFiles == 5)
    #expect(again.incremental?.checkpoint == true)
    #expect(again.incremental?.setAside == [])
  }

  @Test func anotherAggregationKeepsNewStatesAndRemovesTheOldOnes() throws {
    let data = Self.deliveries(seed: 7, count: 3)
    let work = makeTempDir("lunapipe-inc")
    _ = try Self.run(work, data, incremental: true, threads: 1)
    let before = try Self.stateFolder(work)
    // The same files, a job aggregating otherwise: nothing kept fits.
    var settings = RunSettings(outputDirectory: work + "/out", threads: 1, force: true, arguments: ["test"])
    settings.maxRejectShare = 0.5
    let patterns = [data + "/*.csv"]
    let job = RunJob(pipeline: "visits", inputs: [.init(kind: "visits", patterns: patterns)]) { context in
      _ = try Pipeline("visits").readCSV(patterns).validate(Self.schema)
        .aggregate(Aggregation(keys: ["state"], measures: [.count()])).emitRows("by-state.csv").run(in: context)
    }
    guard case .published(_, let report, _) = try Runner(settings).run(job) else {
      Issue.record("not published")
      return
    }
    #expect(report.incremental?.scannedFiles == 3)
    #expect(report.incremental?.reusedFiles == 0)
    #expect(report.incremental?.removedStates == 7)
    #expect(!FileManager.default.fileExists(atPath: before))
    #expect(try Self.stateFolder(work) != before)
  }

  @Test func aStateThatCannotBeWrittenFallsBackToAScanOfEveryFile() throws {
    let data = Self.deliveries(seed: 11, count: 3)
    let (inc, full) = (makeTempDir("lunapipe-inc"), makeTempDir("lunapipe-full"))
    _ = try Self.run(inc, data, incremental: true, threads: 1)
    let folder = try Self.stateFolder(inc)
    // Every state gone, and a folder where a rejects file would be
    // written: its rename fails, as on a full disk.
    let names = try FileManager.default.contentsOfDirectory(atPath: folder)
    for name in names { try FileManager.default.removeItem(atPath: folder + "/" + name) }
    let blocked = try #require(names.first { $0.hasSuffix(".lprejects") })
    try FileManager.default.createDirectory(atPath: folder + "/" + blocked, withIntermediateDirectories: false)
    let a = try Self.run(inc, data, incremental: true, threads: 2)
    _ = try Self.run(full, data, incremental: false, threads: 2)
    #expect(try Self.outputs(inc + "/out") == (try Self.outputs(full + "/out")))
    #expect(a.incremental?.notes.contains { $0.hasPrefix("a state could not be kept") } == true, "\(String(describing: a.incremental))")
    #expect(a.totals.read > 0)
    // Not LunaPipe's to remove: the folder is left as it is.
    var isFolder: ObjCBool = false
    #expect(FileManager.default.fileExists(atPath: folder + "/" + blocked, isDirectory: &isFolder) && isFolder.boolValue)
  }

  @Test func aStateDirectoryThatCannotHoldStatesGivesAFullScanAndSaysSo() throws {
    let data = Self.deliveries(seed: 13, count: 2)
    let (inc, full) = (makeTempDir("lunapipe-inc"), makeTempDir("lunapipe-full"))
    // A file where the states' folder would be.
    writeFile(inc, "lunapipe-incremental", "not LunaPipe's\n")
    let a = try Self.run(inc, data, incremental: true, threads: 2)
    _ = try Self.run(full, data, incremental: false, threads: 2)
    #expect(try Self.outputs(inc + "/out") == (try Self.outputs(full + "/out")))
    #expect(a.incremental?.notes.contains { $0.hasPrefix("the states cannot be kept in") } == true)
    #expect(a.incremental?.scannedFiles == 0 && a.incremental?.reusedFiles == 0)
    #expect(try String(contentsOfFile: inc + "/lunapipe-incremental", encoding: .utf8) == "not LunaPipe's\n")
  }

  /// A filter whose closure reads a job option: a state kept under one
  /// value of the option is never reused under another.
  @Test func aClosureDependingOnAnOptionNeverReusesAStateOfAnotherValue() throws {
    let data = Self.deliveries(seed: 5, count: 3)
    let patterns = [data + "/*.csv"]
    func job(_ least: Int) -> RunJob {
      RunJob(pipeline: "visits", inputs: [.init(kind: "visits", patterns: patterns)], options: ["least": "\(least)"]) {
        context in
        _ = try Pipeline("visits").readCSV(patterns).validate(Self.schema)
          .filter("enough") { r in (r.int("qty") ?? 0) >= least }
          .aggregate(Aggregation(keys: ["state"], measures: [.count(), .distinct("patient")]))
          .emitRows("by-state.csv").run(in: context)
      }
    }
    func run(_ work: String, _ least: Int, incremental: Bool) throws -> RunReport {
      var settings = RunSettings(
        outputDirectory: work + "/out", threads: 2, maxRejectShare: 0.5, force: true, acceptDrop: true,
        arguments: ["test"])
      settings.incremental = incremental
      guard case .published(_, let report, _) = try Runner(settings).run(job(least)) else {
        throw PipelineError.output("not published")
      }
      return report
    }
    let (inc, full) = (makeTempDir("lunapipe-inc"), makeTempDir("lunapipe-full"))
    _ = try run(inc, 2, incremental: true)
    let other = try run(inc, 8, incremental: true)
    _ = try run(full, 8, incremental: false)
    #expect(other.incremental?.scannedFiles == 3)
    #expect(other.incremental?.reusedFiles == 0)
    #expect(try Self.outputs(inc + "/out") == (try Self.outputs(full + "/out")))
    #expect(try run(inc, 8, incremental: true).incremental?.reusedFiles == 3)
  }

  @Test func fullScansEveryFileAndKeepsTheStatesAnew() throws {
    let data = Self.deliveries(seed: 9, count: 3)
    let work = makeTempDir("lunapipe-inc")
    _ = try Self.run(work, data, incremental: true, threads: 1)
    var settings = RunSettings(outputDirectory: work + "/out", threads: 2, maxRejectShare: 0.5, force: true, arguments: ["test"])
    settings.full = true
    guard case .published(_, let report, _) = try Runner(settings).run(Self.job([data + "/*.csv"])) else {
      Issue.record("not published")
      return
    }
    #expect(report.incremental?.full == true)
    #expect(report.incremental?.scannedFiles == 3)
    #expect(report.incremental?.reusedFiles == 0)
    #expect(try Self.run(work, data, incremental: true, threads: 2).incremental?.reusedFiles == 3)
  }
}
