import Foundation
import LunaDomain
import LunaPipeCore
import TestSupport
import Testing

/// The library guide's composition example (`docs/LIBRARY.md`, linked from
/// the README; the examples lived in the README until it became the users'
/// guide), compiled and run exactly as printed there (the test checks that
/// the guide still holds these lines), its inputs defined as the guide
/// defines them, but resolved by the test.
@Suite struct ReadmeExampleTests {
  static let exampleStart = "// README example: begin"
  static let exampleEnd = "// README example: end"

  /// The example's inputs as the README defines them, in the two lines
  /// above the example: paths relative to the repository's root, where a
  /// reader runs it.
  static let readmeClaims = "Samples/small/ydelser-*.csv"
  static let readmeOutDir = "out/patienter"
  static let readmeInputLines = """
    let claims = "\(readmeClaims)"
    let outDir = "\(readmeOutDir)"
    """

  /// The example, with its inputs given: the test resolves the README's
  /// relative paths itself (against the repository's root and a temporary
  /// folder) instead of changing the process's working directory, which
  /// every test running beside this one shares.
  func example(claims: String, outDir: String) throws -> [Table] {
    // README example: begin
    let rows = RowFamily(name: "bopæl", rows: [(label: "Læsø", row: 825)]) { k in
      k[1] == 51 ? (row: k[2], column: k[0]) : nil
    }
    let pipeline = Pipeline("patienter-pr-bopael")
      .readCSV([claims])
      .validate(LunaClaims.schema)
      .aggregate(Aggregation(keys: ["Aar", "Speciale", "PatientKommune"], sums: ["Antal"],
                             distinct: "PatientId", when: .positive("Antal")))
      .tables([CrossTable(id: "patienter", title: "Patienter, speciale 51", rowHeader: "kommune",
                          columns: Array(2019...2023), families: [rows], measure: .distinct, decimals: 0)])
      .emit([.csv, .markdown])
    let out = try OutputDirectory(target: outDir)
    let tables = try pipeline.run(in: RunContext(options: ScanOptions(threads: 2), output: out))
    try out.publish()
    // README example: end
    return tables
  }

  @Test func theExampleRunsAndGivesTabel26sLaesoeRow() throws {
    let outDir = makeTempDir("readme") + "/" + Self.readmeOutDir
    let tables = try example(claims: repositoryRoot + "/" + Self.readmeClaims, outDir: outDir)
    let row = tables[0].rows[0].map(\.plain)
    let published = try publishedTable("tabel-26").first { $0[0] == "Læsø" }
    #expect(row == published)
    let written = try readCSV(outDir + "/tables/patienter.csv")
    #expect(written[1] == published)
  }

  @Test func theReadmeShowsThisExample() throws {
    let source = try String(contentsOfFile: #filePath, encoding: .utf8)
    let guide = try String(contentsOfFile: repositoryRoot + "/docs/LIBRARY.md", encoding: .utf8)
    let start = source.range(of: Self.exampleStart + "\n")!.upperBound
    let end = source.range(of: "    " + Self.exampleEnd)!.lowerBound
    let lines = source[start..<end].split(separator: "\n").map { $0.dropFirst(4) }
    #expect(lines.count <= 15)
    // The lines defining the inputs, then the example, in one block.
    #expect(guide.contains("```swift\n" + Self.readmeInputLines + "\n" + lines.joined(separator: "\n") + "\n```"))
  }

  static let anyStart = "// README any-CSV example: begin"
  static let anyEnd = "// README any-CSV example: end"

  /// The library guide's second example: a plain CSV that has nothing to do with
  /// LUNA, keys and measures by name, no locale named.
  func anyCSV(path: String, out outDir: String) throws -> AggregateRows {
    // README any-CSV example: begin
    let schema = Schema(columns: [
      Column("state", .text(maxLength: 64)),
      Column("date", .date(.iso)),
      Column("amount", .decimal(scale: 2)),
      Column("customer", .text(maxLength: 32), required: false),
    ])
    let out = try OutputDirectory(target: outDir)
    let sales = try Pipeline("sales")
      .readCSV([path])
      .validate(schema)
      .aggregate(Aggregation(keys: ["state", .year("date")], measures: [
        .sum("amount"), .count(), .distinct("customer", as: "customers"),
        .count(as: "large", where: .greater("amount", than: "100.00")),
      ]))
      .emitRows("by-state-and-year.csv")
      .run(in: RunContext(output: out))
    try out.publish()
    let byState = try sales.rows(by: ["state"])
    // README any-CSV example: end
    return byState
  }

  @Test func theAnyCSVExampleGivesExactNumbers() throws {
    let dir = makeTempDir()
    let path = writeFile(dir, "sales.csv", """
      state,date,amount,customer
      Ohio,2023-01-05,12.50,c1
      Ohio,2023-03-01,100.01,c2
      Ohio,2024-02-29,7.00,
      "Rhode Island",2023-12-31,0.99,c1
      Ohio,2023-07-04,1960.00,c1

      """)
    let rows = try anyCSV(path: path, out: dir + "/out")
    #expect(rows.keyNames == ["state"])
    #expect(rows.rows.map { ($0.keys + $0.values).map(\.description) } == [
      ["Ohio", "2079.51", "4", "2", "2"], ["Rhode Island", "0.99", "1", "1", "0"],
    ])
    let written = try String(contentsOfFile: dir + "/out/by-state-and-year.csv", encoding: .utf8)
    #expect(written == """
      state,year(date),amount,count,customers,large
      Ohio,2023,2072.51,3,2,2
      Ohio,2024,7.00,1,0,0
      Rhode Island,2023,0.99,1,1,0

      """)
  }

  @Test func theReadmeShowsTheAnyCSVExample() throws {
    let source = try String(contentsOfFile: #filePath, encoding: .utf8)
    let guide = try String(contentsOfFile: repositoryRoot + "/docs/LIBRARY.md", encoding: .utf8)
    let start = source.range(of: Self.anyStart + "\n")!.upperBound
    let end = source.range(of: "    " + Self.anyEnd)!.lowerBound
    let lines = source[start..<end].split(separator: "\n").map { $0.dropFirst(4) }
    #expect(guide.contains(lines.joined(separator: "\n")))
  }
}
