import Foundation
import LunaPipeCore
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Inputs that are wrong as files rather than as contents: directories,
/// globs that match nothing, symbolic link loops, FIFOs, and files that
/// vanish, shrink, grow or are replaced while a run reads them. (Tests run
/// as root in CI, so `chmod 000` would not stop a read: the races are made
/// with hooks in the pipeline instead.)
@Suite struct FileSystemTests {
  /// A valid extract of `lines` records, larger than the reader's first
  /// block (1 MiB) when `lines` is 20,000.
  func extract(lines: Int) -> String {
    var text = claimsHeader + "\n"
    for i in 0..<lines { text += (i % 2 == 0 ? line51 : line62) + "\n" }
    return text
  }

  /// A directory given where a file is expected.
  @Test func directoryGivenAsAFile() {
    let dir = makeTempDir("hostile")
    expectInputError([dir, "is a directory"]) { _ = try validate([dir]) }
  }

  /// A glob that matches a directory along with a file: the directory is
  /// named as such.
  @Test func globMatchingADirectory() throws {
    let dir = makeTempDir("hostile")
    writeFile(dir, "ydelser-2019.csv", extract(lines: 2))
    try FileManager.default.createDirectory(atPath: dir + "/ydelser-2020.csv", withIntermediateDirectories: false)
    expectInputError([dir + "/ydelser-2020.csv", "is a directory"]) { _ = try validate([dir + "/ydelser-*.csv"]) }
  }

  /// A glob that matches nothing: an input error naming the glob.
  @Test func globMatchingNothing() {
    let pattern = makeTempDir("hostile") + "/ydelser-*.csv"
    expectInputError([pattern, "matches no file"]) { _ = try validate([pattern]) }
  }

  /// A symbolic link loop (a → b → a): the error says so, rather than
  /// claiming there is no such file.
  @Test func symbolicLinkLoop() throws {
    let dir = makeTempDir("hostile")
    try FileManager.default.createSymbolicLink(atPath: dir + "/a.csv", withDestinationPath: dir + "/b.csv")
    try FileManager.default.createSymbolicLink(atPath: dir + "/b.csv", withDestinationPath: dir + "/a.csv")
    expectInputError([dir + "/a.csv", "symbolic links"]) { _ = try validate([dir + "/a.csv"]) }
    // Reached through a glob, the same.
    expectInputError(["symbolic links"]) { _ = try validate([dir + "/*.csv"]) }
  }

  /// A symbolic link to a file that does not exist: no such file.
  @Test func danglingSymbolicLink() throws {
    let dir = makeTempDir("hostile")
    try FileManager.default.createSymbolicLink(atPath: dir + "/a.csv", withDestinationPath: dir + "/gone.csv")
    expectInputError([dir + "/a.csv", "no such file"]) { _ = try validate([dir + "/a.csv"]) }
  }

  /// A file removed between glob expansion and the scan opening it: an
  /// input error naming it and saying why it cannot be opened.
  @Test func fileRemovedBetweenGlobAndOpen() throws {
    let dir = makeTempDir("hostile")
    writeFile(dir, "ydelser-2019.csv", extract(lines: 3))
    let path = writeFile(dir, "ydelser-2020.csv", extract(lines: 3))
    expectInputError([path, "no such file"]) {
      _ = try validate([dir + "/ydelser-*.csv"], afterExpansion: { paths in
        #expect(paths.contains(path))
        try FileManager.default.removeItem(atPath: path)
      })
    }
  }

  /// A file truncated while it is read (a delivery being rewritten): the
  /// scan notices the file is no longer what it opened and fails naming
  /// it, instead of reporting a short file as whole.
  @Test func fileTruncatedWhileRead() throws {
    let path = writeFile(makeTempDir("hostile"), "ydelser.csv", extract(lines: 20_000))
    expectInputChanged([path, "changed while it was read", "1000 now"]) {
      // One thread and small chunks: the reader cannot read past the
      // first block before the first chunk's first record is consumed.
      _ = try validate([path], threads: 1, chunkSize: 1 << 10, onFirstRecord: { truncate(path, 1000) })
    }
  }

  /// A file that grows while it is read (a delivery still being written):
  /// the same error.
  @Test func fileGrowingWhileRead() throws {
    let path = writeFile(makeTempDir("hostile"), "ydelser.csv", extract(lines: 20_000))
    expectInputChanged([path, "changed while it was read"]) {
      _ = try validate([path], threads: 1, chunkSize: 1 << 10, onFirstRecord: {
        let h = FileHandle(forWritingAtPath: path)!
        h.seekToEndOfFile()
        h.write(Data((String(repeating: line51 + "\n", count: 100)).utf8))
        h.closeFile()
      })
    }
  }

  /// A file replaced (renamed over) while it is read: the scan reads the
  /// file it opened, whole, never a mix, and then fails naming the file: the
  /// delivery at that path is no longer what was read.
  @Test func fileReplacedWhileRead() throws {
    let dir = makeTempDir("hostile")
    let path = writeFile(dir, "ydelser.csv", extract(lines: 20_000))
    expectInputChanged([path, "another file was put in its place"]) {
      _ = try validate([path], threads: 1, chunkSize: 1 << 10, onFirstRecord: {
        let other = writeFile(dir, "new.csv", claimsHeader + "\n" + line51 + "\n")
        rename(other, path)
      })
    }
  }

  /// A FIFO (as `--claims <(zcat ydelser.csv.gz)` gives) is refused at
  /// once, without waiting for a writer: a pipe read by the fingerprint is
  /// gone for the scan, and one that never ends would hang the run.
  @Test func fifo() throws {
    let path = makeTempDir("hostile") + "/claims.fifo"
    #expect(mkfifo(path, 0o600) == 0)
    expectInputError([path, "is a FIFO (named pipe) or pipe, not a regular file"]) { _ = try validate([path]) }
  }

  /// A file that ends in the middle of a record (a writer stopped there):
  /// the partial record is rejected (`field-count`), the counts stay
  /// balanced.
  @Test func fileEndingMidRecord() throws {
    // Cut after "2019;10;804989;51;0111;1": six whole fields.
    let path = writeFile(makeTempDir("hostile"), "claims.csv", extract(lines: 3) + String(line51.prefix(24)))
    let o = try validate([path])
    expectCounts(o, read: 4, accepted: 3, rejected: 1, skippedEmpty: 0)
    #expect(o.columnsAndRules == [["", "field-count"]])
  }
}
