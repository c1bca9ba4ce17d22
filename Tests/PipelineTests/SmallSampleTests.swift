import Foundation
import LunaPipeCore
import LunaPipelines
import LunaSamples
import TestSupport
import Testing

/// The committed small sample keeps every line that touches Læsø, so the
/// praksisplan pipeline run in-process over it reproduces Læsø's rows of the
/// kommune tables by clinic (19–36, 39–41); and the generator writes that
/// sample again byte for byte.
@Suite struct SmallSampleTests {
  static let numbers = [19, 21, 23, 25, 26, 29, 31, 33, 35, 36, 39, 40, 41]

  func laesoeRows(_ dir: String, threads: Int) throws -> [Int: [String]] {
    let context = RunContext(options: ScanOptions(threads: threads))
    let tables = try Praksisplan.pipeline(claims: [dir + "/ydelser-*.csv"]).run(in: context)
    var rows: [Int: [String]] = [:]
    for t in tables {
      let n = Int(t.id.dropFirst("tabel-".count))!
      rows[n] = t.rows.first { $0.first?.plain == "Læsø" }?.map(\.plain)
    }
    let totals = context.report.totals
    #expect(totals.read == totals.accepted + totals.rejected + totals.skippedEmpty)
    #expect(totals.rejected == SampleGenerator.invalidRecordsPerFile.values.reduce(0, +))
    #expect(totals.skippedEmpty == SampleGenerator.emptyLinesPerFile.values.reduce(0, +))
    return rows
  }

  @Test func laesoeRowsEqualThePublishedTables() throws {
    let rows = try laesoeRows(repositoryRoot + "/Samples/small", threads: 2)
    for n in Self.numbers {
      let published = try publishedTable("tabel-\(n)").first { $0[0] == "Læsø" }
      #expect(rows[n] == published, "tabel-\(n)")
    }
  }

  @Test func theCommittedSampleIsWhatTheGeneratorWrites() throws {
    let dir = makeTempDir("small")
    let files = try SampleGenerator(scale: .small, seed: 1).write(to: dir)
    #expect(files.count == 5)
    for y in SampleGenerator.years {
      let name = SampleGenerator.fileName(year: y)
      let fresh = FileManager.default.contents(atPath: dir + "/" + name)
      let committed = FileManager.default.contents(atPath: repositoryRoot + "/Samples/small/" + name)
      #expect(fresh != nil && fresh == committed, "\(name) differs from the generator's output: run `lunapipe samples --scale small --out Samples/small`")
    }
    let size = files.compactMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int }.reduce(0, +)
    #expect(size < 2_000_000)
  }

  @Test func anotherSeedGivesOtherLinesButTheSameTables() throws {
    let dir = makeTempDir("small-seed2")
    _ = try SampleGenerator(scale: .small, seed: 2).write(to: dir)
    let a = FileManager.default.contents(atPath: dir + "/ydelser-2019.csv")
    let b = FileManager.default.contents(atPath: repositoryRoot + "/Samples/small/ydelser-2019.csv")
    #expect(a != b)
    let rows = try laesoeRows(dir, threads: 1)
    for n in Self.numbers {
      #expect(rows[n] == (try publishedTable("tabel-\(n)").first { $0[0] == "Læsø" }), "tabel-\(n)")
    }
  }
}
