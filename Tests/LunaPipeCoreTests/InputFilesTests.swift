import Foundation
import LunaPipeCore
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `InputFiles`: a run's inputs opened once, read as opened, and checked
/// unchanged at the end of their read.
@Suite struct InputFilesTests {
  func file(_ text: String) -> (dir: String, path: String) {
    let dir = makeTempDir("input-files")
    return (dir, writeFile(dir, "in.csv", text))
  }

  func changed(_ files: InputFiles, _ path: String) -> InputChanged? {
    do {
      try files.verify(path)
      return nil
    } catch let e as InputChanged {
      return e
    } catch {
      Issue.record("unexpected \(error)")
      return nil
    }
  }

  @Test func aFileRenamedOverThePathIsStillReadAsOpenedAndVerifyNamesIt() throws {
    let (dir, path) = file("a;b\n1;2\n")
    let files = InputFiles()
    try files.pin(path)
    _ = writeFile(dir, "other.csv", "a;b\n3;4\n")
    #expect(rename(dir + "/other.csv", path) == 0)
    // What is read is the file opened, not the one now at its path.
    #expect(String(decoding: try files.readAllUnchecked(path), as: UTF8.self) == "a;b\n1;2\n")
    let e = try #require(changed(files, path))
    #expect(e.why == "another file was put in its place")
    #expect(e.description.hasPrefix("\(path) changed while it was read: 8 bytes when opened, 8 now"))
    #expect(throws: InputChanged.self) { try files.readAll(path) }
  }

  @Test func aRewriteInPlaceWithTheTimePutBackIsSeen() throws {
    let (_, path) = file("a;b\n1;2\n")
    let files = InputFiles()
    let opened = try files.pin(path)
    #expect(changed(files, path) == nil)
    usleep(20_000)
    let fd = open(path, O_WRONLY)
    #expect(pwrite(fd, "9", 1, 4) == 1)
    var times = [
      timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2),  // UTIME_OMIT: the access time as it is
      timespec(tv_sec: Int(opened.mtimeNs / 1_000_000_000), tv_nsec: Int(opened.mtimeNs % 1_000_000_000)),
    ]
    #expect(futimens(fd, &times) == 0)
    close(fd)
    let e = try #require(changed(files, path))
    #expect(e.now?.size == 8)
    #expect(e.now?.mtimeNs == opened.mtimeNs)
    #expect(e.why == "rewritten in place")
  }

  @Test func anAppendIsSeenWithBothSizes() throws {
    let (_, path) = file("a;b\n1;2\n")
    let files = InputFiles()
    try files.pin(path)
    let h = try #require(FileHandle(forWritingAtPath: path))
    h.seekToEndOfFile()
    h.write(Data("3;4\n".utf8))
    h.closeFile()
    let e = try #require(changed(files, path))
    #expect(e.opened.size == 8)
    #expect(e.now?.size == 12)
  }

  @Test func aRemovedFileIsSeen() throws {
    let (_, path) = file("a;b\n1;2\n")
    let files = InputFiles()
    try files.pin(path)
    #expect(unlink(path) == 0)
    #expect(changed(files, path)?.why == "it was removed")
  }

  @Test func onlyRegularFilesAreOpenedAndAFIFONeverBlocks() throws {
    let dir = makeTempDir("input-files")
    let fifo = dir + "/fifo.csv"
    #expect(mkfifo(fifo, 0o644) == 0)
    for (path, what) in [(fifo, "a FIFO"), ("/dev/zero", "a character device"), (dir, "a directory")] {
      #expect(throws: PipelineError.input(
        "\(path): is \(what)\(what == "a FIFO" ? " (named pipe) or pipe" : ""), not a regular file; LunaPipe reads inputs from regular files only (save the delivery to a file and name that)"
      )) { try InputFiles().pin(path) }
    }
    // The small-file reader and the path resolution refuse them too.
    #expect(throws: PipelineError.self) { try TextRecords.read("/dev/zero") }
    #expect(throws: PipelineError.self) { try ReadCSV([fifo]).run((), in: RunContext()) }
  }

  @Test func aScanReadsThroughTheRunsFilesAndChecksThemOnceRead() throws {
    let (dir, path) = file("a;b\n1;2\n")
    let context = RunContext(options: ScanOptions(threads: 1))
    try context.files.pin(path)
    _ = writeFile(dir, "other.csv", "a;b\n3;4\n5;6\n")
    #expect(rename(dir + "/other.csv", path) == 0)
    #expect(throws: InputChanged.self) { _ = try context.readTextRecords(path) }
  }
}

extension InputFiles {
  /// The bytes of the file opened for `path`, without the check.
  func readAllUnchecked(_ path: String) throws -> [UInt8] {
    let fd = try open(path)
    defer { close(fd) }
    var out: [UInt8] = []
    var block = [UInt8](repeating: 0, count: 4096)
    while true {
      let n = block.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n <= 0 { break }
      out += block[0..<n]
    }
    return out
  }
}
