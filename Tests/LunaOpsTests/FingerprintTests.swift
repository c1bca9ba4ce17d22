import Foundation
import LunaOps
import LunaPipeCore
import TestSupport
import Testing

@Suite struct FingerprintTests {
  @Test func sha256KnownVectors() {
    #expect(SHA256Digest.hex(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(SHA256Digest.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  }

  @Test func fileHashEqualsBufferHash() throws {
    // Larger than one 4 MiB read block, to cross block boundaries.
    let bytes = (0..<(9 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
    let path = writeFile(makeTempDir(), "big.bin", bytes)
    #expect(try SHA256Digest.hex(ofFile: path) == SHA256Digest.hex(of: bytes))
  }

  /// An unchanged file (same size, mtime, inode) reuses the recorded hash;
  /// a changed one is hashed again.
  @Test func knownHashIsReusedOnlyForAnUnchangedFile() throws {
    let dir = makeTempDir()
    let path = writeFile(dir, "a.csv", "Aar;Maaned\n2023;1\n")
    let real = try FileFingerprint.of(path)
    #expect(real.sha256 == SHA256Digest.hex(of: Array("Aar;Maaned\n2023;1\n".utf8)))
    var planted = real
    planted.sha256 = "planted"
    #expect(try FileFingerprint.of(path, known: [real.path: planted]).sha256 == "planted")
    writeFile(dir, "a.csv", "Aar;Maaned\n2023;2\n")  // same size, new content, new mtime
    var changed = try FileFingerprint.of(path, known: [real.path: planted])
    #expect(changed.sha256 == SHA256Digest.hex(of: Array("Aar;Maaned\n2023;2\n".utf8)))
    changed.mtimeNs = real.mtimeNs
    #expect(changed.size == real.size)
  }

  @Test func missingFileIsAnError() {
    #expect(throws: PipelineError.self) { try FileFingerprint.of("/nonexistent/x.csv") }
  }

  @Test func inputChangesNameNewChangedAndGoneFiles() {
    func f(_ p: String, _ sha: String) -> FileFingerprint {
      FileFingerprint(path: p, size: 1, mtimeNs: 0, inode: 0, sha256: sha)
    }
    let c = InputChanges(before: [f("/a", "1"), f("/b", "2"), f("/c", "3")], after: [f("/a", "1"), f("/b", "9"), f("/d", "4")])
    #expect(c.new == ["/d"])
    #expect(c.changed == ["/b"])
    #expect(c.gone == ["/c"])
    #expect(InputChanges(before: [f("/a", "1")], after: [f("/a", "1")]).isEmpty)
  }
}
