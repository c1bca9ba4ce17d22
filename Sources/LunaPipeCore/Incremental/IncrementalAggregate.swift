import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// What one input file's scan gave besides its aggregates, as kept between
/// runs: its report, notes, volumes, records filtered, and how many rejects
/// its rejects file holds.
struct FilePart: Codable {
  /// The file's path when it was scanned (notes name it).
  var path: String
  var report: FileReport
  /// Notes of the file read again in another encoding.
  var encodingNotes: [String]
  /// The scan's other notes (an empty file).
  var notes: [String]
  var volumes: [String: Int]
  var filtered: [String: Int]
  var rejects: Int

  /// The same part, of the file at `path` now (a renamed file).
  func at(_ path: String) -> FilePart {
    guard path != self.path else { return self }
    var p = self
    p.path = path
    p.report.path = path
    p.encodingNotes = encodingNotes.map { $0.replacingOccurrences(of: self.path, with: path) }
    p.notes = notes.map { $0.replacingOccurrences(of: self.path, with: path) }
    return p
  }
}

extension AggregateEach {
  static let stateMagic = Array("LPSTATE1".utf8)

  /// The consumer of one worker adding to `shared`.
  static func consumer(adding shared: [SharedAggregate]) -> ChunkConsumer {
    let partials = shared.map { PartialAggregate(shared: $0) }
    return partials.count == 1 ? partials[0] : FanOut(partials)
  }

  /// The scan of `input` made incremental through `store`: each file's
  /// part is taken from its kept state when there is one, the other files
  /// are scanned one by one and their states kept; then all parts are
  /// merged, and the report, notes and rejects are given in file order as
  /// one scan of all the files gives them. Returns nil, having read
  /// nothing, when a file's content digest is unknown or the states cannot
  /// be kept (with a note): the caller scans as usual.
  func scanIncrementally(
    _ input: ValidatedRecords, bound: [BoundAggregation], store: IncrementalStore, in context: RunContext
  ) throws -> [SharedAggregate]? {
    let paths = input.files.paths
    let digests = paths.map { store.digest(of: $0) }
    if let i = digests.firstIndex(where: { $0 == nil }) {
      store.update { $0.notes.append("\(paths[i]) was not fingerprinted: every file scanned, no state kept") }
      return nil
    }
    try LookupJoin.loadAll(input.schema, in: context)
    let signature = StateSignature.of(
      schema: input.schema, aggregations: aggregations, options: context.options, context: context)
    do {
      try store.makeFolder(signature)
    } catch {
      store.update { $0.notes.append("the states cannot be kept in \(store.directory) (\(error)): every file scanned") }
      return nil
    }
    let started = DispatchTime.now().uptimeNanoseconds
    var shared = bound.map { SharedAggregate(bound: $0) }
    var parts = [FilePart?](repeating: nil, count: paths.count)

    // The files with a kept state, merged on `threads` workers; a state
    // that cannot be read is set aside and its file scanned.
    let kept = store.full ? [] : paths.indices.filter { access(store.statePath(signature, digests[$0]!), F_OK) == 0 }
    final class Merged: @unchecked Sendable {
      var parts: [Int: FilePart] = [:]
      var setAside: [String] = []
      var broken = false
      let lock = NSLock()
    }
    let merged = Merged()
    let workers = max(1, min(context.options.threads, kept.count))
    let runShared = shared
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      for k in stride(from: w, to: kept.count, by: workers) {
        let i = kept[k]
        let statePath = store.statePath(signature, digests[i]!)
        let rejectsPath = store.rejectsPath(signature, digests[i]!)
        do {
          let part = try Self.readState(
            statePath, rejects: rejectsPath, signature: signature, digest: digests[i]!, aggregations: bound.count
          ) { r in
            do {
              for s in runShared { try AggregateState.merge(&r, into: s) }
            } catch {
              // Half merged: the totals are no longer one file's sum.
              merged.lock.lock()
              merged.broken = true
              merged.lock.unlock()
              throw error
            }
          }
          merged.lock.lock()
          merged.parts[i] = part.at(paths[i])
          merged.lock.unlock()
        } catch {
          let note = store.setAside(statePath, rejects: rejectsPath, why: "\(error)")
          merged.lock.lock()
          merged.setAside.append(note)
          merged.lock.unlock()
        }
      }
    }
    if merged.broken {
      // Start again from nothing: every file is scanned.
      shared = bound.map { SharedAggregate(bound: $0) }
      merged.parts = [:]
      store.update { $0.notes.append("a kept state could not be merged: every file scanned") }
    }
    for (i, p) in merged.parts { parts[i] = p }
    let mergeSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9

    // The other files, one scan each; each file's state is written and
    // merged on a queue of its own while the next file is scanned (one at
    // a time: at most two files' aggregates are held besides the totals).
    var timing = ScanTiming()
    let keeper = DispatchQueue(label: "lunapipe.keep-states")
    let keeping = DispatchGroup()
    final class KeepFailure: @unchecked Sendable {
      var error: Error?
    }
    let failure = KeepFailure()
    let totals = shared
    for i in paths.indices where parts[i] == nil {
      let scanned = try scanOne(paths[i], digest: digests[i]!, input: input, bound: bound, signature: signature,
        store: store, in: context)
      parts[i] = scanned.part
      timing.ticks &+= scanned.timing.ticks
      timing.validateTicks &+= scanned.timing.validateTicks
      timing.aggregateTicks &+= scanned.timing.aggregateTicks
      timing.ticksPerSecond = scanned.timing.ticksPerSecond
      keeping.wait()
      if let e = failure.error { throw e }
      let digest = digests[i]!
      keeper.async(group: keeping) {
        do {
          try Self.keep(scanned, digest: digest, signature: signature, store: store, into: totals)
        } catch {
          failure.error = error
        }
      }
    }
    keeping.wait()
    if let e = failure.error { throw e }

    // Everything in file order, as one scan of all the files gives it.
    let all = parts.map { $0! }
    var result = ScanResult(files: all.map(\.report), volumes: [:], timing: timing)
    for p in all {
      for (k, n) in p.volumes { result.volumes[k, default: 0] += n }
      for (k, n) in p.filtered { result.filtered[k, default: 0] += n }
      result.notes += p.notes
    }
    context.addNotes(all.flatMap(\.encodingNotes))
    for i in paths.indices {
      try RejectsFile.read(store.rejectsPath(signature, digests[i]!), file: paths[i]) { try context.reject($0) }
    }
    try context.closeRejects()
    try context.account(result)
    try context.checkRejectShare()

    store.use(signature, digests: Set(digests.map { $0! }))
    let inputBytes = all.reduce(0) { $0 + $1.report.bytes }
    let reusedBytes = merged.parts.values.reduce(0) { $0 + $1.report.bytes }
    store.update { s in
      s.reusedFiles += merged.parts.count
      s.reusedBytes += reusedBytes
      s.scannedFiles += paths.count - merged.parts.count
      s.scannedBytes += inputBytes - reusedBytes
      s.inputBytes += inputBytes
      s.mergeSeconds += (mergeSeconds * 1000).rounded() / 1000
    }
    let s = store.summary
    context.log(
      "incremental: \(s.reusedFiles) files reused from their kept states (\(s.reusedBytes) bytes, merged in \(String(format: "%.3f", s.mergeSeconds)) s), \(s.scannedFiles) scanned (\(s.scannedBytes) bytes)"
    )
    context.report.incremental = s
    return shared
  }

  /// What the scan of one file gave, before its state is kept.
  struct ScannedFile: @unchecked Sendable {
    var part: FilePart
    var aggregates: [SharedAggregate]
    var rejects: RejectsFile.Writer
    var timing: ScanTiming
  }

  /// Scans the file at `path` alone, its rejects into a temporary rejects
  /// file of the store.
  private func scanOne(
    _ path: String, digest: String, input: ValidatedRecords, bound: [BoundAggregation], signature: String,
    store: IncrementalStore, in context: RunContext
  ) throws -> ScannedFile {
    var fileShared = bound.map { SharedAggregate(bound: $0) }
    let rejectsPath = store.rejectsPath(signature, digest)
    let rejects = try RejectsFile.Writer(path: rejectsPath + ".tmp-\(getpid())")
    let (result, encodingNotes) = try context.collectScan(
      input.schema, paths: [path], options: context.options,
      restart: {
        try rejects.reset()
        fileShared = bound.map { SharedAggregate(bound: $0) }
      },
      onReject: { try rejects.add($0) },
      makeConsumer: { Self.consumer(adding: fileShared) })
    for s in fileShared { try Self.checkExact(s) }
    let part = FilePart(
      path: path, report: result.files[0], encodingNotes: encodingNotes, notes: result.notes,
      volumes: result.volumes, filtered: result.filtered, rejects: rejects.count)
    return ScannedFile(part: part, aggregates: fileShared, rejects: rejects, timing: result.timing)
  }

  /// Keeps a scanned file's state (its rejects file, then the state, each
  /// whole or absent) and merges it into the run's `totals` from the very
  /// bytes kept.
  static func keep(
    _ file: ScannedFile, digest: String, signature: String, store: IncrementalStore, into totals: [SharedAggregate]
  ) throws {
    var w = StateWriter(reserving: 1 << 20)
    w.raw(stateMagic)
    w.u64(StateSignature.format)
    w.text(signature)
    w.text(digest)
    w.text(String(decoding: try JSONEncoder().encode(file.part), as: UTF8.self))
    w.varint(file.aggregates.count)
    for s in file.aggregates { AggregateState.write(s, to: &w) }
    w.finish()
    try file.rejects.finish(as: store.rejectsPath(signature, digest))
    try IncrementalStore.writeAtomically(w.bytes, to: store.statePath(signature, digest))
    try w.bytes.withUnsafeBytes { raw in
      var r = StateReader(raw)
      _ = try readHeader(&r, signature: signature, digest: digest, aggregations: totals.count)
      for s in totals { try AggregateState.merge(&r, into: s) }
    }
  }

  /// Reads the state at `path` (and checks its rejects file): its part,
  /// after `merge` has taken its aggregates.
  static func readState(
    _ path: String, rejects: String, signature: String, digest: String, aggregations: Int,
    merge: (inout StateReader) throws -> Void
  ) throws -> FilePart {
    // Mapped, not copied: the states of a national extract are hundreds
    // of megabytes, read once.
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw StateDamaged("unreadable") }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, st.st_size > 0 else { throw StateDamaged("empty") }
    let size = Int(st.st_size)
    guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0), map != MAP_FAILED else {
      throw StateDamaged("cannot be mapped")
    }
    defer { munmap(map, size) }
    var r = StateReader(UnsafeRawBufferPointer(start: map, count: size))
    let part = try readHeader(&r, signature: signature, digest: digest, aggregations: aggregations)
    let n = try RejectsFile.read(rejects, file: part.path, nil)
    guard n == part.rejects else { throw StateDamaged("its rejects file holds \(n) records, not \(part.rejects)") }
    try merge(&r)
    return part
  }

  /// Checks a state's checksum and header, and reads its part; `r` is then
  /// at the aggregates.
  static func readHeader(
    _ r: inout StateReader, signature: String, digest: String, aggregations: Int
  ) throws -> FilePart {
    let raw = r.bytes
    guard raw.count >= stateMagic.count + 16 else { throw StateDamaged("too short") }
    let body = UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 8)])
    let stored = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self))
    guard StateChecksum.of(body) == stored else { throw StateDamaged("its checksum differs") }
    r = StateReader(body)
    guard Array(try r.raw(stateMagic.count)) == stateMagic else { throw StateDamaged("not a state") }
    guard try r.u64() == StateSignature.format else { throw StateDamaged("of another format") }
    guard try r.text() == signature, try r.text() == digest else { throw StateDamaged("kept for another input") }
    let json = try r.text()
    let part: FilePart
    do {
      part = try JSONDecoder().decode(FilePart.self, from: Data(json.utf8))
    } catch {
      throw StateDamaged("its part cannot be read: \(error)")
    }
    guard try r.count(below: 1 << 16) == aggregations else { throw StateDamaged("kept for other aggregations") }
    return part
  }
}
