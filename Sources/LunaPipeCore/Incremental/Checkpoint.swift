import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The totals of the last run, kept as one state (`StateFile`) covering its
/// files: a night that only adds files merges the checkpoint and the new
/// files' states, not every file's again. Its entities are each distinct
/// entity once, with all its groups: a national extract's 59 monthly states
/// hold 21 million entity records, its checkpoint 2 million. Unions add up
/// in any order, so the result is the same as merging every file's state.
/// A run whose files are not a superset of the checkpoint's (a file removed
/// or replaced) merges the files' states and keeps a new checkpoint.
enum Checkpoint {
  /// The name of the checkpoint in a signature's folder.
  static let name = "checkpoint.lpmerged"
  /// What stands for a digest in its header.
  static let digest = "checkpoint"

  /// Writes a checkpoint block by block, as the merge completes each shard
  /// (from any thread), then its header.
  final class Writer: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private var offset = 0
    private var blocks: [[[StateFile.Block]]]
    private var failed: String?
    private let lock = NSLock()

    /// A checkpoint being written to a temporary file beside `target`, for
    /// `aggregates` (in the stage's order).
    init(beside target: String, aggregates: [SharedAggregate]) throws {
      path = target + ".tmp-\(getpid())"
      fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
      guard fd >= 0 else { throw PipelineError.output("cannot write \(path): \(String(cString: strerror(errno)))") }
      let empty = StateFile.Block(offset: 0, length: 0, entities: 0)
      blocks = aggregates.map { a in
        a.entities.map { _ in [StateFile.Block](repeating: empty, count: EntitySets.shardCount) }
      }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends the block of aggregation `a`, distinct count `d`, shard `s`.
    func add(_ a: Int, _ d: Int, _ s: Int, _ bytes: [UInt8], entities: Int) {
      lock.lock()
      defer { lock.unlock() }
      guard failed == nil else { return }
      let at = offset
      let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, bytes.count, off_t(8 + at)) }
      guard written == bytes.count else {
        failed = String(cString: strerror(errno))
        return
      }
      blocks[a][d][s] = StateFile.Block(offset: at, length: bytes.count, entities: entities)
      offset += bytes.count
    }

    /// Writes the header (the totals' groups, the table of the blocks, the
    /// digests covered) and moves the checkpoint to `target`.
    func finish(
      aggregates: [SharedAggregate], covers: [String], signature: String, target: String
    ) throws {
      if let failed { throw PipelineError.output("cannot write \(path): \(failed)") }
      let part = FilePart(
        path: "", report: FileReport(path: "", bytes: 0, encoding: .utf8, delimiter: "", lineEnd: ""),
        encodingNotes: [], notes: [], volumes: [:], filtered: [:], rejects: 0, covers: covers.sorted())
      let header = try StateFile.encodeHeader(
        part: part, aggregates: aggregates, blocks: blocks, signature: signature, digest: Checkpoint.digest)
      let start = UInt64(8 + offset).littleEndian
      let ok =
        header.withUnsafeBytes { pwrite(fd, $0.baseAddress, header.count, off_t(8 + offset)) } == header.count
        && withUnsafeBytes(of: start) { pwrite(fd, $0.baseAddress, 8, 0) } == 8
      guard ok, rename(path, target) == 0 else {
        let why = String(cString: strerror(errno))
        discard()
        throw PipelineError.output("cannot write \(target): \(why)")
      }
    }

    /// Removes the unfinished checkpoint.
    func discard() { unlink(path) }
  }
}
