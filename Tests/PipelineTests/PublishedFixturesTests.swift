import Foundation
import LunaDomain
import TestSupport
import Testing

@testable import LunaSamples

/// The sample generator builds on the published tables as the files of
/// `Samples/Generator/Published` hold them, the same files the other tests
/// compare the pipeline's outputs with: what it parses equals what the
/// tests' own CSV reader reads there, it reads them at run time (a changed
/// copy gives changed targets), and a malformed file stops it with the
/// file and line.
@Suite struct PublishedFixturesTests {
  static let published = Result { try PublishedTables.bundled() }

  /// The value of a printed cell, read independently of the generator: the
  /// digits without the decimal point, which must stand `decimals` places
  /// from the end.
  static func scaled(_ cell: String, decimals: Int) -> Int? {
    let parts = cell.split(separator: ".")
    guard (parts.count == 2 ? parts[1].count : 0) == decimals else { return nil }
    return Int(cell.replacingOccurrences(of: ".", with: ""))
  }

  /// A copy of the published folder.
  static func copy() throws -> URL {
    let dir = URL(fileURLWithPath: makeTempDir("published"))
    for f in try FileManager.default.contentsOfDirectory(atPath: publishedDirectory) {
      try FileManager.default.copyItem(atPath: publishedDirectory + "/" + f, toPath: dir.appendingPathComponent(f).path)
    }
    return dir
  }

  /// A copy of the published folder, with `edit` applied to the text of
  /// the file `name`.
  static func editedCopy(_ name: String, _ edit: (String) -> String) throws -> URL {
    let dir = try copy()
    let file = dir.appendingPathComponent(name)
    let text = try String(contentsOf: file, encoding: .utf8)
    let edited = edit(text)
    precondition(edited != text, "the edit of \(name) changes nothing")
    try edited.write(to: file, atomically: true, encoding: .utf8)
    return dir
  }

  @Test func theBundledFilesAreTheRepositorysFiles() throws {
    let bundled = try Self.published.get().directory.path
    let names = try FileManager.default.contentsOfDirectory(atPath: publishedDirectory).sorted()
    #expect(try FileManager.default.contentsOfDirectory(atPath: bundled).sorted() == names)
    for name in names {
      let ours = FileManager.default.contents(atPath: bundled + "/" + name)
      #expect(ours != nil && ours == FileManager.default.contents(atPath: publishedDirectory + "/" + name), "\(name)")
    }
  }

  @Test(arguments: PublishedTables.printedNumbers)
  func theGeneratorsTableEqualsTheFile(_ n: Int) throws {
    let t = try Self.published.get().table(n)
    let file = try publishedTable(String(format: "tabel-%02d", n))
    #expect(t.number == n)
    #expect(t.years.map(String.init) == Array(file[0].dropFirst().dropLast()), "years")
    #expect(t.rowNames == file.dropFirst().map { $0[0] }, "rows")
    for (r, row) in file.dropFirst().enumerated() {
      let cells = row.dropFirst().dropLast().map { Self.scaled($0, decimals: t.decimals) }
      #expect(t.values[r].map(Optional.some) == cells, "Tabel \(n) \(row[0])")
      #expect(t.growth[r] == Int(row.last!), "Tabel \(n) \(row[0]) udvikling_pct")
    }
  }

  /// The targets of Tabel 19–36 by speciale are those tables.
  @Test(arguments: [(51, [19, 21, 23, 25, 26]), (62, [29, 31, 33, 35, 36])])
  func theSpecialeTargetsAreTheFiles(speciale: Int, numbers: [Int]) throws {
    let targets = SpecialeTargets(speciale: speciale, try Self.published.get())
    #expect(targets.tables.map(\.number) == numbers)
    for t in targets.tables {
      let file = try publishedTable("tabel-\(t.number)")
      let cells = file.dropFirst().map { $0.dropFirst().dropLast().map { Self.scaled($0, decimals: t.decimals) } }
      #expect(t.values.map { $0.map(Optional.some) } == cells, "Tabel \(t.number)")
    }
    #expect(targets.ydelserPerPatient.decimals == 2, "ydelser per patient in hundredths")
    #expect(targets.udgift.values[Rows.laesoe][4] == (speciale == 51 ? 163_684 : 263_805), "Læsø 2023")
  }

  /// Tabel 40 and 41 by diagnosis group (a group without a column is 0),
  /// and the diagnosis weights of a speciale 62 patient: their Total rows.
  @Test func theDiagnosisTargetsAreTheFiles() throws {
    let v = VederlagsfriTargets(try Self.published.get())
    for (n, rows) in [(40, v.progressive), (41, v.nonProgressive)] {
      let file = try publishedTable("tabel-\(n)")
      let groups = file[0].dropFirst().dropLast().map { Int($0.split(separator: "_")[1])! }
      for (r, row) in file.dropFirst().enumerated() {
        var want = [0, 0, 0, 0, Int(row.last!)!]
        for (g, cell) in zip(groups, row.dropFirst()) { want[g - 1] = Int(cell)! }
        #expect(rows[r] == want, "Tabel \(n) \(row[0])")
      }
    }
    #expect(v.diagnosisWeights == [271, 1049, 0, 791, 1780, 4348, 397, 997])
  }

  @Test func theClinicsAreTheFile() throws {
    let clinics = try Self.published.get().clinics
    let file = try publishedTable("clinics")
    let c = { (name: String) in file[0].firstIndex(of: name)! }
    /// Hundredths of a printed capacity (`2`, `2.8`, `2.76`).
    func hundredths(_ s: String) -> Int {
      let parts = s.split(separator: ".").map(String.init) + [""]
      return Int(parts[0])! * 100 + Int((parts[1] + "00").prefix(2))!
    }
    #expect(clinics.count == 50)
    for (clinic, row) in zip(clinics, file.dropFirst()) {
      #expect(
        [clinic.kommuneName, clinic.name, clinic.address, clinic.postnr, clinic.city, clinic.extraAddress]
          == ["kommune", "klinik", "adresse", "postnr", "by", "ekstra_adresse"].map { row[c($0)] })
      #expect([clinic.wait51, clinic.wait62] == [row[c("ventetid_51")], row[c("ventetid_62")]])
      #expect(clinic.capacity51 == hundredths(row[c("kapacitet_51")]), "\(clinic.name)")
      #expect(clinic.capacity62 == hundredths(row[c("kapacitet_62")]), "\(clinic.name)")
    }
  }

  @Test func theChildrenAreTheBudgets() throws {
    let children = try Self.published.get().children
    let file = try publishedTable("budget-objektiv-finansiering")
    let kommuner = file.dropFirst().filter { Geography.denmark.kommune(named: $0[0]) != nil }
    #expect(kommuner.count == 11)
    for row in kommuner {
      let y = children[Geography.denmark.kommune(named: row[0])!.code]
      #expect(y?.y2024 == Int(row[file[0].firstIndex(of: "antal_0_17_aar_2024")!]), "\(row[0])")
      #expect(y?.y2023 == Int(row[file[0].firstIndex(of: "antal_0_17_aar_2023")!]), "\(row[0])")
    }
  }

  /// No fixture line stands in the generator's sources: the numbers are
  /// read, not copied.
  @Test func theGeneratorHoldsNoCopyOfTheFiles() throws {
    let sources = repositoryRoot + "/Samples/Generator"
    let code = try FileManager.default.contentsOfDirectory(atPath: sources).filter { $0.hasSuffix(".swift") }
      .map { try String(contentsOfFile: sources + "/" + $0, encoding: .utf8) }.joined()
    for name in try FileManager.default.contentsOfDirectory(atPath: publishedDirectory) {
      let lines = try String(contentsOfFile: publishedDirectory + "/" + name, encoding: .utf8).split(separator: "\n")
      for line in lines.dropFirst() where line.count >= 20 {
        #expect(!code.contains(line), "\(name): \(line)")
      }
    }
  }

  // MARK: The files are read at run time

  @Test func aChangedTableChangesTheTargets() throws {
    // Læsø's 2023 udgift, speciale 51.
    let dir = try Self.editedCopy("tabel-19.csv") {
      $0.replacingOccurrences(
        of: "Læsø,159772,134774,184729,142353,163684,2", with: "Læsø,159772,134774,184729,142353,163690,2")
    }
    let changed = SpecialeTargets(speciale: 51, try PublishedTables(directory: dir))
    let bundled = SpecialeTargets(speciale: 51, try Self.published.get())
    #expect(changed.udgift.values[Rows.laesoe][4] == 163_690)
    var values = changed.udgift.values
    values[Rows.laesoe][4] = 163_684
    #expect(values == bundled.udgift.values)
  }

  /// The generator given a copy with one clinic's address changed writes
  /// that address into the register, and the same claims.
  @Test func aChangedClinicChangesTheGeneratedRegister() throws {
    let dir = try Self.editedCopy("clinics.csv") {
      $0.replacingOccurrences(of: "Byrum Hovedgade 58", with: "Byrum Hovedgade 60")
    }
    let out = makeTempDir("small-edited")
    let files = try SampleGenerator(scale: .small, seed: 1).write(
      to: out, published: try PublishedTables(directory: dir))
    let register = try String(contentsOfFile: out + "/" + RegisterSample.fileName, encoding: .utf8)
    #expect(register.contains("F21;Fysioterapien Læsø;Byrum Hovedgade 60;9940;Læsø;825;51;0,49;0,34;;0;5;1;;\n"))
    #expect(!register.contains("Byrum Hovedgade 58"))
    for f in files {
      let committed = repositoryRoot + "/Samples/small/" + (f as NSString).lastPathComponent
      #expect(FileManager.default.contents(atPath: f) == FileManager.default.contents(atPath: committed), "\(f)")
    }
  }

  @Test(arguments: [
    (
      "tabel-19.csv", "Læsø,159772,134774,184729,142353,163684,2", "Læsø,159772,134774,184729,142353,163684",
      "tabel-19.csv line 6: 6 fields, the header has 7"
    ),
    (
      "tabel-25.csv", "Læsø,7.78,8.28,10.71,8.19,8.46,9", "Læsø,7.78,8.28,10.7,8.19,8.46,9",
      "tabel-25.csv line 6: \"10.7\" is not a number with 2 decimals"
    ),
    (
      "tabel-36.csv", "Læsø,31,26,27,27,28,-10", "Læsø,31,26,2x,27,28,-10",
      "tabel-36.csv line 6: \"2x\" is not a whole number"
    ),
    (
      "clinics.csv", "\"Tine Winther Kyvsgaard, inMOTUS ApS\"", "\"Tine Winther Kyvsgaard, inMOTUS ApS",
      "clinics.csv line 5: a quote out of place"
    ),
  ])
  func aMalformedFileNamesItsFileAndLine(name: String, line: String, bad: String, message: String) throws {
    let dir = try Self.editedCopy(name) { $0.replacingOccurrences(of: line, with: bad) }
    let error = #expect(throws: SampleGeneratorError.self) { try PublishedTables(directory: dir) }
    #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "")")
  }

  @Test func aMissingFileIsNamed() throws {
    let dir = try Self.copy()
    try FileManager.default.removeItem(at: dir.appendingPathComponent("tabel-26.csv"))
    let error = #expect(throws: SampleGeneratorError.self) { try PublishedTables(directory: dir) }
    #expect(error?.message == "published table missing: cannot read \(dir.appendingPathComponent("tabel-26.csv").path)")
  }
}
