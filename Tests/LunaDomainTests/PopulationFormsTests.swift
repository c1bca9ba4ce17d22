import Foundation
@testable import LunaDomain
import LunaPipeCore
import TestSupport
import Testing

/// FOLK1A as it is downloaded: every form of `Tests/Fixtures/population`
/// (the same three kommuner, four ages and three quarters, beside
/// `Hele landet`, `Region Nordjylland`, `Alder i alt`, sex totals and
/// Christiansø) gives the same population; withheld cells (`..`) are never
/// 0; the quarter is chosen as the tables choose it.
@Suite struct PopulationFormsTests {
  static let fixtures = repositoryRoot + "/Tests/Fixtures/population"
  static let q2023 = Quarter(year: 2023, quarter: 1)
  static let q2024 = Quarter(year: 2024, quarter: 1)
  static let q2024K2 = Quarter(year: 2024, quarter: 2)
  static let kommuner = [851, 825, 840]

  /// Men + women of each kommune, quarter and age 0, 1, 50, 51, added up
  /// by hand from the fixtures' sources (Aalborg 2024K1, 50 år: 1420 men
  /// and 1377 women).
  static let expected: [Population.Key: Int64] = {
    let table: [(Int, Quarter, [Int64])] = [
      (851, q2023, [2350, 2310, 2750, 2735]), (851, q2024, [2370, 2330, 2797, 2761]),
      (851, q2024K2, [2377, 2336, 2805, 2763]),
      (825, q2023, [9, 9, 30, 25]), (825, q2024, [9, 9, 32, 25]), (825, q2024K2, [10, 10, 33, 26]),
      (840, q2023, [290, 295, 455, 435]), (840, q2024, [300, 300, 466, 441]), (840, q2024K2, [302, 302, 468, 443]),
    ]
    var d: [Population.Key: Int64] = [:]
    for (k, q, ns) in table {
      for (age, n) in zip([0, 1, 50, 51], ns) { d[Population.Key(kommune: k, quarter: q, age: age)] = n }
    }
    return d
  }()

  struct Read {
    var population: Population
    var context: RunContext
    var rejects: [[String]]
    var notes: String { context.report.notes.joined(separator: "\n") }
  }

  func read(path: String) throws -> Read {
    let out = try OutputDirectory(target: makeTempDir("population-forms") + "/out")
    defer { out.discard() }
    let context = RunContext(maxRejectShare: 1, output: out)
    let p = try PopulationReader.read(path, in: context)
    return Read(population: p, context: context, rejects: try readCSV(out.staging.path + "/rejects.csv"))
  }

  func read(_ text: String, name: String = "folk1a.csv") throws -> Read {
    try read(path: writeFile(makeTempDir("population-forms"), name, text))
  }

  /// A fixture's text, whatever its file's encoding and line ends.
  func fixture(_ name: String) throws -> String {
    let data = try #require(FileManager.default.contents(atPath: Self.fixtures + "/" + name))
    var text = try #require(String(data: data, encoding: .utf8) ?? String(data: data, encoding: .windowsCP1252))
    if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
    // "\r\n" is one Character: split lines on LF alone.
    return text.replacingOccurrences(of: "\r\n", with: "\n")
  }

  /// A fixture (in UTF-8, with LF) with `line` replaced by `with` (the
  /// line must be there once).
  func edited(_ name: String, _ line: String, _ with: String) throws -> String {
    var lines = try fixture(name).components(separatedBy: "\n")
    let hits = lines.indices.filter { lines[$0] == line }
    try #require(hits.count == 1, "\(line) in \(name): \(hits.count) times")
    lines[hits[0]] = with
    return lines.joined(separator: "\n")
  }

  // MARK: Every form, the same numbers

  @Test(arguments: [
    ("folk1a-long-labels.csv", TextEncoding.utf8), ("folk1a-long-codes.csv", .utf8BOM),
    ("folk1a-wide.csv", .windows1252), ("folk1a-matrix.csv", .utf8BOM), ("folk1a-matrix-1252.csv", .windows1252),
  ])
  func everyFormGivesTheSamePopulation(name: String, encoding: TextEncoding) throws {
    let r = try read(path: Self.fixtures + "/" + name)
    let p = r.population
    #expect(r.rejects.count == 1, "no rejects: \(r.rejects)")
    #expect(p.counts == Self.expected)
    #expect(p.count(kommune: 851, quarter: Self.q2024, ages: 50...50) == 2797)
    #expect(p.count(kommuner: Set(Self.kommuner), quarter: Self.q2024) == 2370 + 2330 + 2797 + 2761 + 75 + 1507)
    #expect(p.unknown.isEmpty)
    #expect(p.quarters == [Self.q2023, Self.q2024, Self.q2024K2])
    // The kommuner's Alder i alt, kept as what their ages must sum to.
    #expect(p.allAges[Population.KommuneQuarter(kommune: 851, quarter: Self.q2024)] == 10258)
    #expect(p.allAges.count == 9)
    try p.require(kommuner: Self.kommuner, quarter: Self.q2024, for: "the test")
    let f = try #require(r.context.report.inputs.first)
    #expect(f.encoding == encoding)
    #expect(f.rejected == 0 && f.read == f.accepted + f.skippedEmpty)
    #expect(r.notes.contains("for areas that are not kommuner"), "\(r.notes)")
  }

  /// KØN as codes without a total, CIVILSTAND's TOT beside U and G: the
  /// sexes are summed, TOT is used and U, G are left out; codes 000 and
  /// 081 and each kommune's IALT are aggregates; 411 is Christiansø.
  @Test func longCodesCountEveryKindOfRow() throws {
    let r = try read(path: Self.fixtures + "/folk1a-long-codes.csv")
    let t = r.context.report.totals
    #expect(t.read == 540 && t.accepted == 540)
    #expect(r.notes.contains("234 aggregate rows"), "\(r.notes)")
    #expect(r.notes.contains("144 sex/marital-status detail rows left out"), "\(r.notes)")
    #expect(r.notes.contains("90 rows for areas that are not kommuner (411) skipped"), "\(r.notes)")
  }

  /// The matrix export: its title line (with commas, which misled the
  /// delimiter detection), blank header cells told by their values, the
  /// source line after a blank line.
  @Test func theMatrixExportSaysHowItWasRead() throws {
    let r = try read(path: Self.fixtures + "/folk1a-matrix.csv")
    #expect(
      r.notes.contains(
        "FOLK1A with the quarters as columns (2023K1, 2024K1, 2024K2), header on line 2 with OMRÅDE (unnamed, told by its values), column 2 (unnamed, told by its values), ALDER (unnamed, told by its values); 1 title line before it, 1 row of labels only (values for the rows below) hold no counts"
      ), "\(r.notes)")
    let t = r.context.report.totals
    // After the title line: the header, 90 data rows, a blank line, the
    // source line.
    #expect(t.read == 93 && t.accepted == 92 && t.skippedEmpty == 1 && t.rejected == 0)
    #expect(r.notes.contains("cells (Hele landet, regions, Alder i alt) recognised and not added"))
    let named = try read(path: Self.fixtures + "/folk1a-matrix-1252.csv")
    #expect(named.notes.contains("header on line 2 with område, alder, køn; 1 title line before it, 6 rows of labels only"), "\(named.notes)")
  }

  // MARK: Withheld counts

  /// `..` in a cell a table needs: the read succeeds, the cell is unknown
  /// (not 0), and requiring it fails naming kommune, age and quarter.
  @Test(arguments: [
    ("folk1a-long-labels.csv", "Aalborg;I alt;50 år;2024K1;2797", "Aalborg;I alt;50 år;2024K1;.."),
    ("folk1a-matrix.csv", ";;50 år;2750;2797;2805", ";;50 år;2750;..;2805"),
  ])
  func aWithheldCellATableNeedsFails(name: String, line: String, with: String) throws {
    let r = try read(try edited(name, line, with))
    let key = Population.Key(kommune: 851, quarter: Self.q2024, age: 50)
    #expect(r.population.unknown[key] == "..")
    #expect(r.population.counts[key] == nil)
    #expect(r.rejects.count == 1)
    #expect(r.notes.contains("1 count withheld (`..`) or blank, kept as unknown and never counted as 0: Aalborg age 50 2024K1 (..)"), "\(r.notes)")
    let e = #expect(throws: PipelineError.self) {
      try r.population.require(kommuner: Self.kommuner, quarter: Self.q2024, for: "the tables per inhabitant")
    }
    #expect(
      e?.description
        == "the population extract withholds the count for Aalborg, age 50, in 2024K1 (`..`); needed for the tables per inhabitant"
    )
    // A key of the youngest does not need it.
    try r.population.require(kommuner: Self.kommuner, quarter: Self.q2024, ages: 0...1, for: "the key")
  }

  /// `..` where nothing needs it (another quarter, an aggregate row, a sex
  /// detail beside its total) is counted in a note, never summed as 0.
  @Test func aWithheldCellNothingNeedsIsNotedNotSummed() throws {
    var text = try edited("folk1a-long-labels.csv", "Aalborg;I alt;50 år;2023K1;2750", "Aalborg;I alt;50 år;2023K1;..")
    text = text.replacingOccurrences(of: "Hele landet;I alt;0 år;2024K1;59000", with: "Hele landet;I alt;0 år;2024K1;..")
    text = text.replacingOccurrences(of: "Rebild;Mænd;50 år;2024K1;236", with: "Rebild;Mænd;50 år;2024K1;..")
    let r = try read(text)
    let p = r.population
    #expect(r.notes.contains("3 counts withheld (`..`) or blank"), "\(r.notes)")
    var expected = Self.expected
    let withheld = Population.Key(kommune: 851, quarter: Self.q2023, age: 50)
    expected[withheld] = nil
    #expect(p.counts == expected)
    #expect(p.unknown == [withheld: ".."])
    // Rebild's 50-year-olds come from the I alt row beside the withheld Mænd.
    #expect(p.count(kommune: 840, quarter: Self.q2024, ages: 50...50) == 466)
    try p.require(kommuner: Self.kommuner, quarter: Self.q2024, for: "the tables")
    let e = #expect(throws: PipelineError.self) {
      try p.require(kommuner: Self.kommuner, quarter: Self.q2023, for: "the tables")
    }
    #expect(e?.description.hasPrefix("the population extract withholds the count for Aalborg, age 50, in 2023K1") == true)
  }

  /// A blank cell in a table with the quarters as columns is unknown too.
  @Test func aBlankCellOfTheWideFormIsUnknown() throws {
    let text = try edited("folk1a-wide.csv", "\"Læsø\";\"51 år\";25;25;26", "\"Læsø\";\"51 år\";25;;26")
    let r = try read(text)
    #expect(r.population.unknown == [Population.Key(kommune: 825, quarter: Self.q2024, age: 51): ""])
    let e = #expect(throws: PipelineError.self) {
      try r.population.require(kommuner: [825], quarter: Self.q2024, for: "x")
    }
    #expect(e?.description.contains("Læsø, age 51, in 2024K1 (blank)") == true)
  }

  /// A rejected record of a kommune whose sex detail is all there is:
  /// without it the kommune would count short, so the cell is unknown, and
  /// needing it fails naming it. Beside its total it is not needed.
  @Test func aRejectedCountIsUnknownNotShort() throws {
    var text = try fixture("folk1a-long-labels.csv").components(separatedBy: "\n")
      .filter { !$0.hasPrefix("Aalborg;I alt;") }.joined(separator: "\n")
    text = text.replacingOccurrences(of: "Aalborg;Mænd;50 år;2024K1;1420", with: "Aalborg;Mænd;50 år;2024K1;1.42")
    text = text.replacingOccurrences(of: "Rebild;Mænd;50 år;2024K1;236", with: "Rebild;Mænd;50 år;2024K1;abc")
    let r = try read(text)
    #expect(r.rejects.dropFirst().map { [$0[3], $0[4]] } == [["INDHOLD", "not-a-number"], ["INDHOLD", "not-a-number"]])
    let key = Population.Key(kommune: 851, quarter: Self.q2024, age: 50)
    #expect(r.population.unknown == [key: "rejected as not-a-number"])
    #expect(r.population.counts[key] == nil)
    #expect(r.population.count(kommune: 840, quarter: Self.q2024, ages: 50...50) == 466)
    let e = #expect(throws: PipelineError.self) {
      try r.population.require(kommuner: Self.kommuner, quarter: Self.q2024, for: "x")
    }
    #expect(
      e?.description
        == "the population extract withholds the count for Aalborg, age 50, in 2024K1 (rejected as not-a-number, see rejects.csv); needed for x"
    )
  }

  // MARK: Missing kommuner and ages

  @Test func aMissingKommuneAgeOrTotalFails() throws {
    // Læsø has no 2024K1 at all.
    let noLaesoe = try fixture("folk1a-long-labels.csv").components(separatedBy: "\n")
      .filter { !($0.hasPrefix("Læsø;") && $0.contains(";2024K1;")) }.joined(separator: "\n")
    let a = try read(noLaesoe).population
    let e1 = #expect(throws: PipelineError.self) { try a.require(kommuner: Self.kommuner, quarter: Self.q2024, for: "x") }
    #expect(e1?.description == "the population extract has no counts for Læsø (825) in 2024K1; needed for x")
    // Rebild lacks age 1 in 2024K1, which the others have.
    let noAge = try fixture("folk1a-long-labels.csv").components(separatedBy: "\n")
      .filter { !($0.hasPrefix("Rebild;") && $0.hasSuffix(";1 år;2024K1;300") || $0 == "Rebild;Mænd;1 år;2024K1;148" || $0 == "Rebild;Kvinder;1 år;2024K1;152") }
      .joined(separator: "\n")
    let b = try read(noAge).population
    let e2 = #expect(throws: PipelineError.self) { try b.require(kommuner: Self.kommuner, quarter: Self.q2024, for: "x") }
    #expect(e2?.description.hasPrefix("the population extract has no count for Rebild, age 1, in 2024K1") == true)
    // Rebild's ages do not add up to its Alder i alt (1507).
    let c = try read(try edited("folk1a-wide.csv", "\"Rebild\";\"Alder i alt\";1475;1507;1515", "\"Rebild\";\"Alder i alt\";1475;1508;1515")).population
    let e3 = #expect(throws: PipelineError.self) { try c.require(kommuner: Self.kommuner, quarter: Self.q2024, for: "x") }
    #expect(e3?.description.hasPrefix("the ages of Rebild in 2024K1 sum to 1507, but its Alder i alt says 1508") == true)
    // With an age range, each age in it is needed.
    let e4 = #expect(throws: PipelineError.self) {
      try Population(counts: Self.expected).require(kommuners0to17: [851], quarter: Self.q2024)
    }
    #expect(e4?.description.hasPrefix("the population extract has no count for Aalborg, age 2, in 2024K1") == true)
  }

  // MARK: Quarter selection

  @Test func theQuarterIsThePlansTheLatestOrTheOneAskedFor() throws {
    let all = Population(counts: Self.expected)
    let plan = try #require(try all.quarter(requested: nil, preferred: Self.q2024))
    #expect(plan.quarter == Self.q2024 && plan.choice == .preferred)
    let asked = try #require(try all.quarter(requested: Self.q2023, preferred: Self.q2024))
    #expect(asked.quarter == Self.q2023 && asked.choice == .requested)
    let e = #expect(throws: PipelineError.self) { try all.quarter(requested: Quarter("2022K4"), preferred: Self.q2024) }
    #expect(e?.description == "the population extract has no 2022K4, the quarter asked for; it holds only 2023K1, 2024K1, 2024K2")
    #expect(try Population().quarter(requested: nil, preferred: Self.q2024) == nil)
    // Without 2024K1: the latest, and its counts.
    let text = try fixture("folk1a-wide.csv").components(separatedBy: "\n")
      .map { $0.components(separatedBy: ";").enumerated().filter { $0.offset != 3 }.map(\.element).joined(separator: ";") }
      .joined(separator: "\n")
    let p = try read(text).population
    #expect(p.quarters == [Self.q2023, Self.q2024K2])
    let (q, choice) = try #require(try p.quarter(requested: nil, preferred: Self.q2024))
    #expect(q == Self.q2024K2 && choice == .latest)
    #expect(p.count(kommune: 851, quarter: q, ages: 50...50) == 2805)
  }

  // MARK: Rejects and errors

  @Test func badRowsOfTheWideFormAreRejectedWithTheirRule() throws {
    let text = [
      "OMRÅDE;ALDER;2023K1;2024K1", "Aalborg;50 år;1;2", "Atlantis;50 år;1;2", "Aalborg;x år;1;2", "Aalborg;51 år;1;abc",
      "Aalborg;50 år;3;4", "Aalborg;52 år;1;2;9", ";53 år;5;6", "", "Aalborg;54 år;-;7",
    ].joined(separator: "\n")
    let r = try read(text)
    #expect(
      r.rejects.dropFirst().map { [$0[3], $0[4]] } == [
        ["OMRÅDE", "unknown-kommune"], ["ALDER", "not-a-number"], ["2024K1", "not-a-number"],
        ["OMRÅDE", "duplicate-row"], ["", "field-count"],
      ])
    // A blank area repeats the one above (the matrix export's way).
    #expect(r.population.count(kommune: 851, quarter: Self.q2024, ages: 53...53) == 6)
    // The dash is withheld; the cells of the rejected Aalborg rows, whose
    // ages are known, are unknown too.
    func key(_ q: Quarter, _ age: Int) -> Population.Key { Population.Key(kommune: 851, quarter: q, age: age) }
    #expect(
      r.population.unknown == [
        key(Self.q2023, 54): "-", key(Self.q2023, 51): "rejected as not-a-number",
        key(Self.q2024, 51): "rejected as not-a-number", key(Self.q2023, 52): "rejected as field-count",
        key(Self.q2024, 52): "rejected as field-count",
      ])
    let t = r.context.report.totals
    #expect(t.accepted == 3 && t.rejected == 5 && t.skippedEmpty == 1 && t.read == 9)
  }

  @Test func formsThatAreNotPopulationExtractsSayWhatIsExpected() throws {
    let e1 = #expect(throws: PipelineError.self) { try read("Aar;Maaned\n2024;1\n") }
    #expect(e1?.description.contains("short form Kommune;Alder;Kvartal;Antal, or FOLK1A OMRÅDE;ALDER;TID;INDHOLD, or FOLK1A with the quarters as columns") == true)
    let e2 = #expect(throws: PipelineError.self) { try read("OMRÅDE;KØN;2024K1\nAalborg;Mænd;5\n") }
    #expect(e2?.description.contains("needs one column of areas (OMRÅDE: Aalborg, 851, Hele landet) and one of ages") == true)
    let e3 = #expect(throws: PipelineError.self) { try read("OMRÅDE;TID;2024K1\nAalborg;2024K1;5\n") }
    #expect(e3?.description.contains("its leading column TID cannot be beside quarter columns") == true)
  }

  @Test func codeAndLabelTogetherResolveByTheCode() {
    #expect(PopulationReader.area("851 Aalborg", geography: .denmark) == .kommune(851))
    #expect(PopulationReader.area("000 Hele landet", geography: .denmark) == .aggregate)
    #expect(PopulationReader.area("081 Region Nordjylland", geography: .denmark) == .aggregate)
    #expect(PopulationReader.area("999 Atlantis", geography: .denmark) == .unknown)
  }
}

extension Population {
  /// Objektiv finansiering's requirement: every age 0–17.
  func require(kommuners0to17 kommuner: [Int], quarter: Quarter) throws {
    try require(kommuner: kommuner, quarter: quarter, ages: 0...17, for: "the key")
  }
}

/// The reader's trim of a cell on its UTF-8 bytes gives Foundation's
/// `trimmingCharacters(in: .whitespaces)` for every text: the Unicode
/// spaces at either end (no-break space, U+2000…U+200A, U+202F, U+205F,
/// U+3000, U+1680; on Linux also U+200B) and tabs are trimmed; other
/// non-ASCII ends (`Ærø`, `50 år`) are kept.
@Suite struct TrimmedWhitespaceTests {
  @Test func itEqualsFoundationsTrimForEveryEnd() {
    let spaces: [Character] =
      [" ", "\t", "\u{00A0}", "\u{1680}", "\u{202F}", "\u{205F}", "\u{3000}"]
      + (0x2000...0x200A).map { Character(Unicode.Scalar($0)!) }
    let others: [Character] = ["a", "Æ", "ø", "å", "\u{2028}", "\u{200B}", "\u{7F}", "\u{01}", "\u{85}", "€", "9", "\u{E000}"]
    let ends = spaces + others
    var checked = 0
    for a in ends {
      for b in ends {
        for middle in ["", "Ærø", "50 år", "x"] {
          let s = String(a) + middle + String(b)
          #expect(s.trimmedWhitespace == s.trimmingCharacters(in: .whitespaces), "\(s.unicodeScalars.map { $0.value })")
          checked += 1
        }
      }
    }
    #expect(checked == ends.count * ends.count * 4)
    #expect("\u{00A0}Aalborg\u{00A0}".trimmedWhitespace == "Aalborg")
  }
}
