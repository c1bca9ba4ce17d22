import Foundation
import LunaPipeCore
import LunaPipelines
import TestSupport
import Testing

/// Supplied tables (Tabel 1 and 58): read with the engine's checks, printed
/// as declared, compared with the published transcriptions
/// (`Tests/Fixtures/published`) split plainly, not by the code under test.
@Suite struct SuppliedTableTests {
  static let fixtures = repositoryRoot + "/Tests/Fixtures/published"

  /// A file's lines split at commas (the fixtures quote nothing).
  static func plainSplit(_ path: String) throws -> [[String]] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
      .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
  }

  static func cells(_ t: Table) -> [[String]] { [t.header] + t.rows.map { $0.map(\.plain) } }

  /// A context writing rejects into a fresh output directory, tolerating
  /// any share of rejects (a small file's one bad row is a large share).
  static func context() throws -> (RunContext, OutputDirectory, String) {
    let dir = makeTempDir("supplied")
    let out = try OutputDirectory(target: dir + "/out")
    return (RunContext(maxRejectShare: 1, output: out), out, dir)
  }

  // MARK: Edge cases

  @Test func aHeaderAloneIsATableWithoutRows() throws {
    let (context, out, dir) = try Self.context()
    defer { out.discard() }
    let path = writeFile(dir, "t.csv", "indikator,2019,2020,2021,2022,2023\n")
    let t = try SuppliedTable.tabel01.reading(path).read(in: context)
    #expect(t.rows.isEmpty && t.header == ["indikator", "2019", "2020", "2021", "2022", "2023"])
  }

  @Test func aMissingDeclaredColumnIsAnErrorNamingFileAndColumn() throws {
    let (context, out, dir) = try Self.context()
    defer { out.discard() }
    let path = writeFile(dir, "ansatte.csv", "kommune,fuldtidsansatte,deltidsansatte,bemaerkning\nLæsø,0,0,\n")
    #expect {
      try SuppliedTable.tabel58.reading(path).read(in: context)
    } throws: { error in
      guard case PipelineError.input(let m) = error else { return false }
      return m.hasPrefix(path + ":") && m.contains("needs column aarsvaerk")
        && m.contains("the header's columns: kommune, fuldtidsansatte, deltidsansatte, bemaerkning")
        && !m.contains("Læsø")
    }
  }

  /// A wrong field name: the error names the missing column and the
  /// header's names, never a data line of the file (the message reaches the
  /// terminal, the log and the run history).
  @Test func aWrongFieldNameNamesTheFieldAndNoDataLine() throws {
    let (context, out, dir) = try Self.context()
    defer { out.discard() }
    let path = writeFile(
      dir, "ansatte.csv",
      "kommune,fuldtidsansatte,deltidsansatte,aarsværk i alt,bemaerkning\nLæsø,0,0,1.5,hemmelig bemærkning\nMorsø,2,0,2.0,cpr 010203-1234\n")
    var message = ""
    do {
      _ = try SuppliedTable.tabel58.reading(path).read(in: context)
      Issue.record("a file without aarsvaerk was read")
    } catch PipelineError.input(let m) {
      message = m
    }
    #expect(message.contains("Tabel 58 needs column aarsvaerk, which the header lacks"), "\(message)")
    #expect(message.hasSuffix("the header's columns: kommune, fuldtidsansatte, deltidsansatte, aarsværk i alt, bemaerkning"), "\(message)")
    for data in ["Læsø", "hemmelig", "Morsø", "010203-1234", "1.5"] { #expect(!message.contains(data), "\(data)") }
  }

  /// A file whose first line is no header (`/etc/passwd`'s kind): its
  /// fields are counted, not quoted.
  @Test func aFirstLineThatIsNoHeaderIsNotQuoted() throws {
    let (context, out, dir) = try Self.context()
    defer { out.discard() }
    let path = writeFile(dir, "passwd", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n")
    var message = ""
    do {
      _ = try SuppliedTable.tabel01.reading(path).read(in: context)
      Issue.record("a file without the declared columns was read")
    } catch PipelineError.input(let m) {
      message = m
    }
    #expect(message.contains("Tabel 1 needs columns indikator, 2019, 2020, 2021, 2022, 2023, which the header lacks"), "\(message)")
    #expect(message.contains("the header's 1 field is not shown: it does not look like a column name"), "\(message)")
    for data in ["root", "/bin/bash", "daemon", "nologin"] { #expect(!message.contains(data), "\(data)") }
  }

  @Test func aMissingFileIsAnInputError() throws {
    let (context, out, dir) = try Self.context()
    defer { out.discard() }
    #expect(throws: PipelineError.input(dir + "/none.csv: no such file")) {
      try SuppliedTable.tabel01.reading(dir + "/none.csv").read(in: context)
    }
  }

  /// `abc` in a number column, two decimals in a one-decimal column, an
  /// extra field: each record goes to the rejects with its rule, column
  /// and record number; the others are read.
  @Test func aBadRecordIsARejectAndTheRestIsRead() throws {
    let (context, out, dir) = try Self.context()
    defer { out.discard() }
    let text = """
      kommune,fuldtidsansatte,deltidsansatte,aarsvaerk,bemaerkning
      Brønderslev,,,1.7,
      Læsø,abc,0,0,
      Morsø,0,0,1.75,
      Rebild,,16,3,,x
      Aalborg,,,12.7,

      """
    let path = writeFile(dir, "ansatte.csv", text)
    let t = try SuppliedTable.tabel58.reading(path).read(in: context)
    #expect(t.rows.map { $0[0] } == [.text("Brønderslev"), .text("Aalborg")])
    let rejects = try readCSV(out.staging.path + "/rejects.csv")
    let h = rejects[0]
    let got = rejects.dropFirst().map { r in
      [r[h.firstIndex(of: "record")!], r[h.firstIndex(of: "column")!], r[h.firstIndex(of: "rule")!]]
    }
    #expect(
      got == [["3", "fuldtidsansatte", "not-a-number"], ["4", "aarsvaerk", "too-many-decimals"], ["5", "", "field-count"]])
    let file = try #require(context.report.inputs.first { $0.path == path })
    #expect(file.accepted == 2 && file.rejected == 3)
    #expect(context.report.notes.contains { $0.contains("3 records of Tabel 58 rejected") })
  }

  /// The run's reject threshold holds for a supplied file as for any input.
  @Test func rejectsBeyondTheThresholdStopTheRead() throws {
    let dir = makeTempDir("supplied")
    let path = writeFile(dir, "t.csv", "indikator,2019,2020,2021,2022,2023\nA,1,2,3,4,x\n")
    #expect(throws: PipelineError.self) {
      try SuppliedTable.tabel01.reading(path).read(in: RunContext(maxRejectShare: 0.01))
    }
  }

  // MARK: The published tables

  @Test(arguments: [(SuppliedTable.tabel01, "tabel-01"), (SuppliedTable.tabel58, "tabel-58")])
  func readsThePrintedValuesCellByCell(_ supplied: SuppliedTable, _ name: String) throws {
    let (context, out, _) = try Self.context()
    defer { out.discard() }
    let path = Self.fixtures + "/\(name).csv"
    let t = try supplied.reading(path).read(in: context)
    let printed = try Self.plainSplit(path)
    #expect(t.id == name)
    #expect(t.title == "Tabel \(supplied.number): \(supplied.title)")
    #expect(t.header == printed[0])
    #expect(t.rows.count == printed.count - 1)
    for (r, row) in printed.dropFirst().enumerated() {
      for (c, text) in row.enumerated() {
        let cell = t.rows[r][c]
        switch cell {
        case .text(let s): #expect(s == text, "row \(r + 1) \(printed[0][c])")
        case .empty: #expect(text.isEmpty, "row \(r + 1) \(printed[0][c])")
        case .number(let v, _):
          // Exact: the printed decimal as a fraction of a power of ten.
          let parts = text.split(separator: ".")
          let digits = parts.count == 2 ? parts[1].count : 0
          var den: Int64 = 1
          for _ in 0..<digits { den *= 10 }
          let n = Int128(Int64(parts.joined())!)
          #expect(v.num * Int128(den) == n * v.den, "row \(r + 1) \(printed[0][c]): \(v)")
        }
      }
    }
    #expect(context.report.inputs.first { $0.path == path }?.rejected == 0)
  }

  /// Tabel 58's årsværk print with the declared one decimal (`2` as `2.0`).
  @Test func decimalsPrintWithTheirDeclaredScale() throws {
    let (context, out, _) = try Self.context()
    defer { out.discard() }
    let t = Self.cells(try SuppliedTable.tabel58.reading(Self.fixtures + "/tabel-58.csv").read(in: context))
    #expect(t.first { $0[0] == "Hjørring" }?[3] == "2.0")
    #expect(t.first { $0[0] == "Aalborg" }?[3] == "12.7")
    #expect(t.first { $0[0] == "Mariagerfjord" } == ["Mariagerfjord", "", "", "", "Leveres af privatpraktiserende fysioterapeut"])
  }

  /// The examples a region would supply are the published values.
  @Test func theShippedExamplesAreThePublishedTables() throws {
    for (supplied, name) in [(SuppliedTable.tabel01, "tabel-01"), (SuppliedTable.tabel58, "tabel-58")] {
      let example = repositoryRoot + "/" + supplied.file
      #expect(FileManager.default.contents(atPath: example) == FileManager.default.contents(atPath: Self.fixtures + "/\(name).csv"), "\(example)")
      #expect(FileManager.default.contents(atPath: example) == FileManager.default.contents(atPath: publishedDirectory + "/\(name).csv"))
    }
  }

  /// Through the emitters, Tabel 1 is written back byte for byte.
  @Test func tabel01RoundTripsThroughTheEmitters() throws {
    let (context, out, _) = try Self.context()
    defer { out.discard() }
    let path = Self.fixtures + "/tabel-01.csv"
    let t = try SuppliedTable.tabel01.reading(path).read(in: context)
    _ = try Emit().run([t], in: context)
    let written = FileManager.default.contents(atPath: out.staging.path + "/tables/tabel-01.csv")
    #expect(written == FileManager.default.contents(atPath: path))
    let json = try String(contentsOfFile: out.staging.path + "/tables-json/tabel-01.json", encoding: .utf8)
    #expect(json.contains("[\"Antal rapporterede hændelser\", 51, 71, 76, 69, 51]"))
  }

  // MARK: In a pipeline

  @Test func theStageAddsEachTableInItsNumbersPlace() throws {
    let (context, out, _) = try Self.context()
    defer { out.discard() }
    func stub(_ id: String) -> Table { Table(id: id, title: id, header: ["x"], rows: []) }
    let before = [stub("tabel-02"), stub("figur-3"), stub("tabel-57"), stub("tabel-59")]
    let stage = AddSuppliedTables([
      SuppliedTable.tabel58.reading(Self.fixtures + "/tabel-58.csv"),
      SuppliedTable.tabel01.reading(Self.fixtures + "/tabel-01.csv"),
    ])
    let after = try stage.run(before, in: context)
    #expect(after.map(\.id) == ["tabel-01", "tabel-02", "figur-3", "tabel-57", "tabel-58", "tabel-59"])
  }
}
