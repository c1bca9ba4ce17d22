import Foundation
import LunaDomain
import LunaPipeCore
import TestSupport
import Testing

/// The population reader: both forms, aggregate rows never added, areas
/// that are no kommuner skipped and counted, names in every spelling,
/// rejects with rule names.
@Suite struct PopulationTests {
  let q2024 = Quarter(year: 2024, quarter: 1)

  func read(_ text: String, name: String = "befolkning.csv") throws -> (Population, RunContext, [[String]]) {
    let dir = makeTempDir("population")
    let path = writeFile(dir, name, text)
    let out = try OutputDirectory(target: dir + "/out")
    defer { out.discard() }
    let context = RunContext(maxRejectShare: 1, output: out)
    let p = try PopulationReader.read(path, in: context)
    let rejects = try readCSV(out.staging.path + "/rejects.csv")
    return (p, context, rejects)
  }

  @Test func quartersParseAndOrder() {
    #expect(Quarter("2024K1") == Quarter(year: 2024, quarter: 1))
    #expect(Quarter("2024q3")?.quarter == 3)
    #expect(Quarter("2024K5") == nil)
    #expect(Quarter("24K1") == nil)
    #expect(Quarter(year: 2023, quarter: 4) < Quarter(year: 2024, quarter: 1))
    #expect(Quarter(year: 2024, quarter: 1).description == "2024K1")
  }

  @Test func anEmptyExtractHasNoCounts() throws {
    let (p, context, rejects) = try read("Kommune;Alder;Kvartal;Antal\n")
    #expect(p.counts.isEmpty)
    let t = context.report.totals
    #expect(t.read == 0 && t.accepted == 0 && t.rejected == 0 && t.skippedEmpty == 0)
    #expect(rejects.count == 1)
  }

  @Test func shortFormTakesCodesNamesAndAgesWithYears() throws {
    let (p, _, rejects) = try read(
      """
      Kommune;Alder;Kvartal;Antal
      851;0;2024K1;100
      Aalborg Kommune;1 år;2024K1;200
      Broenderslev;50 år;2024K1;7
      Vesthimmerland;17;2023K1;5
      """)
    #expect(rejects.count == 1)
    #expect(p.count(kommune: 851, quarter: q2024) == 300)
    #expect(p.count(kommune: 851, quarter: q2024, ages: 1...1) == 200)
    #expect(p.count(kommune: 810, quarter: q2024, ages: 50...125) == 7)
    #expect(p.count(kommune: 820, quarter: Quarter(year: 2023, quarter: 1), ages: 0...17) == 5)
  }

  /// Every common spelling of a kommune's name resolves to its code.
  @Test(arguments: [
    ("Vesthimmerland", 820), ("Vesthimmerlands", 820), ("Vesthimmerlands Kommune", 820), ("VESTHIMMERLAND", 820),
    ("Brønderslev", 810), ("Broenderslev", 810), ("brønderslev kommune", 810), ("Læsø", 825), ("Laesoe", 825),
    ("Aalborg", 851), ("  aalborg ", 851), ("Hjørring", 860), ("Hjoerring Kommune", 860), ("Morsø", 773),
    ("Åbenrå", 580), ("Aabenraa", 580), ("Nordfyn", 480), ("Nordfyns", 480), ("Københavns", 101), ("Ærø", 492),
    ("Aeroe", 492),
  ])
  func kommuneNamesResolveInEverySpelling(name: String, code: Int) {
    #expect(PopulationReader.area(name, geography: .denmark) == .kommune(code), "\(name)")
  }

  @Test func aggregateAndNonKommuneAreasAreRecognised() {
    for a in ["Hele landet", "Region Nordjylland", "region hovedstaden", "Landsdel Nordjylland", "1081", "0"] {
      #expect(PopulationReader.area(a, geography: .denmark) == .aggregate, "\(a)")
    }
    #expect(PopulationReader.area("Christiansø", geography: .denmark) == .nonKommune)
    #expect(PopulationReader.area("Christiansoe", geography: .denmark) == .nonKommune)
    #expect(PopulationReader.area("411", geography: .denmark) == .nonKommune)
    #expect(PopulationReader.area("Atlantis", geography: .denmark) == .unknown)
  }

  /// A FOLK1A download with every kind of aggregate row: the country, a
  /// region, age totals, and sex totals beside the sexes. Each inhabitant
  /// counts once.
  @Test func folk1aAggregateRowsAreNeverDoubleCounted() throws {
    let text = """
      OMRÅDE;KØN;ALDER;TID;INDHOLD
      Hele landet;I alt;Alder i alt;2024K1;999999
      Hele landet;I alt;50 år;2024K1;88888
      Region Nordjylland;I alt;50 år;2024K1;7777
      Læsø;I alt;Alder i alt;2024K1;30
      Læsø;I alt;50 år;2024K1;30
      Læsø;Mænd;50 år;2024K1;14
      Læsø;Kvinder;50 år;2024K1;16
      Læsø;Mænd;51 år;2024K1;4
      Læsø;Kvinder;51 år;2024K1;5
      Christiansø;I alt;50 år;2024K1;3
      Christiansø;Mænd;50 år;2024K1;2
      Aalborg;Køn i alt;50 år;2024K1;1000
      Aalborg;Mænd;50 år;2024K1;499
      Aalborg;Kvinder;50 år;2024K1;501
      """
    let (p, context, rejects) = try read(text)
    #expect(rejects.count == 1, "no rejects: \(rejects)")
    // 50 år: the I alt row (30), not 30 + 14 + 16; 51 år: the sexes summed.
    #expect(p.count(kommune: 825, quarter: q2024, ages: 50...50) == 30)
    #expect(p.count(kommune: 825, quarter: q2024, ages: 51...51) == 9)
    #expect(p.count(kommune: 825, quarter: q2024) == 39)
    #expect(p.count(kommune: 851, quarter: q2024) == 1000)
    #expect(p.kommuner == [825, 851])
    let t = context.report.totals
    #expect(t.read == 14 && t.accepted == 14 && t.rejected == 0)
    #expect(t.read == t.accepted + t.rejected + t.skippedEmpty)
    let notes = context.report.notes.joined(separator: "\n")
    #expect(notes.contains("4 aggregate rows"), "\(notes)")
    #expect(notes.contains("4 sex/marital-status detail rows left out"), "\(notes)")
    #expect(notes.contains("2 rows for areas that are not kommuner (Christiansø) skipped"), "\(notes)")
  }

  @Test func folk1aWithMaritalStatusAndWithoutSex() throws {
    let text = """
      OMRÅDE;ALDER;CIVILSTAND;TID;INDHOLD
      Rebild;40 år;I alt;2024K1;400
      Rebild;40 år;Ugift;2024K1;150
      Rebild;40 år;Gift/separeret;2024K1;250
      Rebild;41 år;Ugift;2024K1;100
      Rebild;41 år;Gift/separeret;2024K1;300
      """
    let (p, _, _) = try read(text)
    #expect(p.count(kommune: 840, quarter: q2024) == 800)
  }

  @Test func folk1aInWindows1252WithCRLFAndBOMlessHeader() throws {
    let text = "OMR\u{C5}DE;K\u{D8}N;ALDER;TID;INDHOLD\r\nL\u{E6}s\u{F8};M\u{E6}nd;50 \u{E5}r;2024K1;14\r\n"
    let bytes = text.unicodeScalars.map { UInt8($0.value) }
    let dir = makeTempDir("population-1252")
    let path = writeFile(dir, "folk1a.csv", bytes)
    let context = RunContext(maxRejectShare: 1)
    let p = try PopulationReader.read(path, in: context)
    #expect(p.count(kommune: 825, quarter: q2024) == 14)
    #expect(context.report.inputs.first?.encoding == .windows1252)
  }

  @Test func badRecordsAreRejectedWithTheirRule() throws {
    let text = [
      "Kommune;Alder;Kvartal;Antal", "Aalborg;10;2024K1;5", "Atlantis;10;2024K1;5", "Aalborg;130;2024K1;5",
      "Aalborg;x år;2024K1;5", "", "Aalborg;11;2024-01;5", "Aalborg;12;2024K1;abc", "Aalborg;13;2024K1;-4",
      "Aalborg;10;2024K1;5", "  ", "Aalborg;14;2024K1;..", "",
    ].joined(separator: "\n")
    let (p, context, rejects) = try read(text)
    #expect(p.count(kommune: 851, quarter: q2024) == 5)
    let rules = rejects.dropFirst().map { [$0[3], $0[4]] }
    #expect(
      rules == [
        ["Kommune", "unknown-kommune"], ["Alder", "out-of-range"], ["Alder", "not-a-number"],
        ["Kvartal", "not-a-quarter"], ["Antal", "not-a-number"], ["Antal", "out-of-range"],
        ["Kommune", "duplicate-row"],
      ])
    #expect(rejects[1][1] == "3" && rejects[1][5] == "Atlantis;10;2024K1;5")
    // `..` is no bad record but a count withheld: kept as unknown, not 0;
    // so are the counts of Aalborg's rejected records, whose ages are known.
    #expect(
      p.unknown == [
        Population.Key(kommune: 851, quarter: q2024, age: 14): "..",
        Population.Key(kommune: 851, quarter: q2024, age: 12): "rejected as not-a-number",
        Population.Key(kommune: 851, quarter: q2024, age: 13): "rejected as out-of-range",
      ])
    let t = context.report.totals
    #expect(t.accepted == 2 && t.rejected == 7 && t.skippedEmpty == 2 && t.read == 11)
    #expect(t.read == t.accepted + t.rejected + t.skippedEmpty)
  }

  @Test func aFileWithoutThePopulationColumnsIsAnInputError() throws {
    let dir = makeTempDir("population-bad")
    let path = writeFile(dir, "x.csv", "Aar;Maaned\n2024;1\n")
    #expect(throws: PipelineError.self) { try PopulationReader.read(path, in: RunContext()) }
  }
}

/// The provider register reader.
@Suite struct ProviderRegisterTests {
  static let header =
    "PraksisId;Klinik;Adresse;Postnr;By;Kommune;Speciale;Kapacitet51;Kapacitet62;Kapacitet;Ventetid51;Ventetid62;AntalFysioterapeuter;EkstraAdresse;EkstraKommune"

  func read(_ lines: [String]) throws -> (ProviderRegister, RunContext, [[String]]) {
    let dir = makeTempDir("register")
    let path = writeFile(dir, "ydere.csv", ([Self.header] + lines).joined(separator: "\n") + "\n")
    let out = try OutputDirectory(target: dir + "/out")
    defer { out.discard() }
    let context = RunContext(maxRejectShare: 1, output: out)
    let r = try ProviderRegisterReader.read(path, in: context)
    return (r, context, try readCSV(out.staging.path + "/rejects.csv"))
  }

  @Test func readsPracticesWithDanishDecimalsAndEmptyWaits() throws {
    let (r, _, rejects) = try read([
      "F1;Klinik A;Vej 1;9000;Aalborg;851;51;2,76;1.000,5;;0;;7;\"Gade 2, 9000 Aalborg\";",
      "R1;Ride B;Vej 3;7700;Thisted;Thisted;65;;;0,5;;;1;Vej 4, 7900 Nykøbing M;773",
    ])
    #expect(rejects.count == 1)
    #expect(r.praksis.count == 2)
    let a = r.praksis[0]
    #expect(a.kapacitet51 == 276 && a.kapacitet62 == 100_050 && a.ventetid51 == 0 && a.ventetid62 == nil)
    #expect(a.ekstraAdresse == "Gade 2, 9000 Aalborg" && a.antalFysioterapeuter == 7 && a.isFysioterapi)
    let b = r.praksis[1]
    #expect(b.kommune == 787 && b.kapacitet == 50 && b.ekstraKommune == 773 && !b.isFysioterapi)
    #expect(r.fysioterapi.count == 1 && r.ridefysioterapi.count == 1)
  }

  @Test func badRecordsAreRejectedWithTheirRule() throws {
    let (r, context, rejects) = try read([
      "F1;A;Vej;9000;Aalborg;851;51;1;1;;;;1;;",
      "F1;B;Vej;9000;Aalborg;851;51;1;1;;;;1;;",
      "F2;C;Vej;9000;Aalborg;999;51;1;1;;;;1;;",
      "F3;D;Vej;9000;Aalborg;851;52;1;1;;;;1;;",
      "F4;E;Vej;900;Aalborg;851;51;1;1;;;;1;;",
      "F5;F;Vej;9000;Aalborg;851;51;-1;1;;;;1;;",
      "F6;G;Vej;9000;Aalborg;851;51;;1;;;;1;;",
      "F7;H;Vej;9000;Aalborg;851;51;1;1;;;;0;;",
      "R1;I;Vej;9000;Aalborg;851;65;;;0,7;;;1;;",
      "F8;J;Vej;9000;Aalborg;851;51;1,234;1;;;;1;;",
      "F9;K;Vej;9000;Aalborg;851;51;1;1;;x;;1;;",
    ])
    #expect(r.praksis.map(\.id) == ["F1"])
    #expect(
      rejects.dropFirst().map { [$0[3], $0[4]] } == [
        ["PraksisId", "duplicate-praksisid"], ["Kommune", "unknown-kommune"], ["Speciale", "unknown-code"],
        ["Postnr", "wrong-digits"], ["Kapacitet51", "out-of-range"], ["Kapacitet51", "required-for-speciale"],
        ["AntalFysioterapeuter", "out-of-range"], ["Kapacitet", "riding-capacity"],
        ["Kapacitet51", "too-many-decimals"], ["Ventetid51", "not-a-number"],
      ])
    let t = context.report.totals
    #expect(t.read == 11 && t.accepted == 1 && t.rejected == 10)
  }

  func read(header: String, _ lines: [String]) throws -> (ProviderRegister, RunContext) {
    let dir = makeTempDir("register")
    let path = writeFile(dir, "ydere.csv", ([header] + lines).joined(separator: "\n") + "\n")
    let context = RunContext(maxRejectShare: 1)
    return (try ProviderRegisterReader.read(path, in: context), context)
  }

  /// A suppressed (`..`) or missing capacity is a reject, never 0, and the
  /// report names the practice, the column and the value.
  @Test func rejectedPracticesAreNamedWithColumnAndValue() throws {
    let (r, context, rejects) = try read([
      "F1;A;Vej;9000;Aalborg;851;51;1;1;;;;1;;",
      "F5;Klinik F;Vej;9000;Aalborg;851;51;..;1;;;;1;;",
      "F6;Klinik G;Vej;9000;Aalborg;851;62;1; ;;;;1;;",
    ])
    #expect(r.praksis.map(\.id) == ["F1"])
    #expect(rejects.dropFirst().map { [$0[3], $0[4]] } == [["Kapacitet51", "not-a-number"], ["Kapacitet62", "required-for-speciale"]])
    #expect(
      context.report.notes.contains {
        $0.hasSuffix(
          "ydere.csv: 2 practices rejected and left out of every register table: F5 Klinik F (Kapacitet51 `..`: not-a-number); F6 Klinik G (Kapacitet62 empty: required-for-speciale) (see rejects.csv)"
        )
      }, "\(context.report.notes)")
  }

  /// Without a capacity column their speciale needs, every practice would
  /// be a reject: the file is refused, naming the column and a practice.
  @Test func aCapacityColumnASpecialeNeedsMissingIsAnInputError() throws {
    let e = #expect(throws: PipelineError.self) {
      try read(header: "PraksisId;Klinik;Kommune;Speciale;Kapacitet51;Kapacitet;AntalFysioterapeuter", [
        "R1;Ride;851;65;;1;1", "F1;A;851;51;2;;3",
      ])
    }
    #expect(e?.description.contains("no column Kapacitet62, which practice F1 (speciale 51, record 3) needs") == true)
    // Riding practices alone need neither Kapacitet51 nor Kapacitet62.
    let (r, _) = try read(header: "PraksisId;Klinik;Kommune;Speciale;Kapacitet;AntalFysioterapeuter", ["R1;Ride;851;65;0,5;1"])
    #expect(r.praksis.map(\.kapacitet) == [50])
  }

  /// What the tables would otherwise lose without a word: waits and
  /// satellites of a register without those columns, and a capacity in a
  /// column the practice's speciale does not use.
  @Test func missingColumnsAndUncountedCapacitiesAreNoted() throws {
    let (r, context) = try read(
      header: "PraksisId;Klinik;Kommune;Speciale;Kapacitet51;Kapacitet62;Kapacitet;AntalFysioterapeuter", [
        "F1;A;851;51;2;1;;3", "R1;Ride;851;65;2,5;;1;1", "F2;B;851;62;1;0;0;2",
      ])
    #expect(r.praksis.count == 3)
    let notes = context.report.notes
    #expect(
      notes.contains {
        $0.hasSuffix("no column Ventetid51: every practice counts as not reporting its speciale 51 wait (Ej angivet) in tables 12 and 13")
      }, "\(notes)")
    #expect(notes.contains { $0.contains("no column Ventetid62:") })
    #expect(notes.contains { $0.hasSuffix("no column EkstraAdresse: every practice counts without a satellite address in Tabel 9") })
    #expect(notes.contains { $0.contains("which no table counts") && $0.hasSuffix(": R1 Ride (speciale 65) Kapacitet51 2,5") }, "\(notes)")
  }

  @Test func aFileWithoutTheRegisterColumnsIsAnInputError() throws {
    let dir = makeTempDir("register-bad")
    let path = writeFile(dir, "x.csv", "Kommune;Alder;Kvartal;Antal\n851;1;2024K1;3\n")
    #expect(throws: PipelineError.self) { try ProviderRegisterReader.read(path, in: RunContext()) }
  }
}
