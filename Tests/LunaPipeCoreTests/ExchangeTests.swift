import CLunaShims
import Foundation
import TestSupport
import Testing

/// The publish's swap without RENAME_EXCHANGE (other systems, file systems
/// without it): two renames that leave each side whole, undone on failure.
@Suite struct ExchangeTests {
  /// A directory `path` holding the file `x` with `text`.
  func put(_ path: String, _ text: String) {
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    writeFile(path, "x", text)
  }

  @Test func twoRenamesSwapTheDirectories() throws {
    let dir = makeTempDir()
    put(dir + "/a", "new")
    put(dir + "/b", "old")
    #expect(luna_exchange_by_renames(dir + "/a", dir + "/b") == 0)
    #expect(try String(contentsOfFile: dir + "/b/x", encoding: .utf8) == "new")
    #expect(try String(contentsOfFile: dir + "/a/x", encoding: .utf8) == "old")
    #expect(!FileManager.default.fileExists(atPath: dir + "/a.swap"))
  }

  @Test func aFailedSecondRenameIsUndone() throws {
    let dir = makeTempDir()
    put(dir + "/b", "old")
    #expect(luna_exchange_by_renames(dir + "/missing", dir + "/b") == -1)
    #expect(try String(contentsOfFile: dir + "/b/x", encoding: .utf8) == "old")
    #expect(!FileManager.default.fileExists(atPath: dir + "/missing.swap"))
  }

  @Test func theExchangeWorksWhicheverWayItTakes() throws {
    let dir = makeTempDir()
    put(dir + "/a", "new")
    put(dir + "/b", "old")
    #expect(luna_exchange_paths(dir + "/a", dir + "/b") == 0)
    #expect(try String(contentsOfFile: dir + "/b/x", encoding: .utf8) == "new")
  }

  @Test func aSideNameSomethingElseHoldsIsNeverRenamedOver() throws {
    let dir = makeTempDir()
    put(dir + "/a", "new")
    put(dir + "/b", "old")
    try FileManager.default.createDirectory(atPath: dir + "/a.swap", withIntermediateDirectories: false)
    #expect(luna_exchange_by_renames(dir + "/a", dir + "/b") == -1)
    #expect(try String(contentsOfFile: dir + "/b/x", encoding: .utf8) == "old")
    #expect(try String(contentsOfFile: dir + "/a/x", encoding: .utf8) == "new")
    #expect(FileManager.default.fileExists(atPath: dir + "/a.swap"))
  }
}
