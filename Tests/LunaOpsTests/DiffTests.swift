import Foundation
import LunaOps
import TestSupport
import Testing

@Suite struct DiffTests {
  @Test func cellsAreMatchedByKommuneAndColumnName() {
    let a = Array("kommune,2022,2023\nAalborg,10,20\nLæsø,1,2\nTotal,11,22\n".utf8)
    let b = Array("kommune,2023,2022,2024\nAalborg,21,10,5\nTotal,21,10,5\nRebild,3,3,3\n".utf8)
    let d = TableDiff(before: a, after: b)
    #expect(d.keyColumns == ["kommune"])
    #expect(d.changedCells == [
      .init(row: "Aalborg", column: "2023", before: "20", after: "21"),
      .init(row: "Total", column: "2023", before: "22", after: "21"),
      .init(row: "Total", column: "2022", before: "11", after: "10"),
    ])
    #expect(d.addedRows == ["Rebild"])
    #expect(d.removedRows == ["Læsø"])
    #expect(d.addedColumns == ["2024"])
    #expect(d.removedColumns == [])
  }

  /// Tidy tables: the key is the fewest leading columns unique in both.
  @Test func tidyRowsAreKeyedByTheirDimensions() {
    let a = Array("niveau,aar,kommune,ydelser\nyder,2022,825,5\nyder,2023,825,6\npatient,2023,825,7\n".utf8)
    let b = Array("niveau,aar,kommune,ydelser\nyder,2022,825,5\nyder,2023,825,8\npatient,2023,825,7\n".utf8)
    let d = TableDiff(before: a, after: b)
    #expect(d.keyColumns == ["niveau", "aar"])
    #expect(d.changedCells == [.init(row: "yder / 2023", column: "ydelser", before: "6", after: "8")])
  }

  @Test func danishCSVWithBOMAndQuotes() {
    let a = Array("\u{FEFF}kommune;2023\n\"Aalborg\";\"1.234,50\"\n".utf8)
    let b = Array("\u{FEFF}kommune;2023\n\"Aalborg\";\"1.234,75\"\n".utf8)
    let d = TableDiff(before: a, after: b)
    #expect(d.changedCells == [.init(row: "Aalborg", column: "2023", before: "1.234,50", after: "1.234,75")])
    #expect(TableDiff(before: a, after: a).isEmpty)
  }

  @Test func outputSnapshotMatchesOnlyTheSameFiles() throws {
    let dir = makeTempDir()
    writeFile(dir, "a.csv", "x\n1\n")
    try FileManager.default.createDirectory(atPath: dir + "/tables", withIntermediateDirectories: true)
    writeFile(dir + "/tables", "t.csv", "y\n2\n")
    let snap = try OutputSnapshot.take(dir)
    #expect(snap.outputs.map(\.path) == ["a.csv", "tables/t.csv"])
    #expect(snap.contents.count == 2)
    #expect(OutputSnapshot.matches(snap.outputs, in: dir))
    writeFile(dir + "/tables", "t.csv", "y\n3\n")
    #expect(!OutputSnapshot.matches(snap.outputs, in: dir))
    writeFile(dir + "/tables", "t.csv", "y\n2\n")
    writeFile(dir, "extra.csv", "z\n")
    #expect(!OutputSnapshot.matches(snap.outputs, in: dir))
  }
}
