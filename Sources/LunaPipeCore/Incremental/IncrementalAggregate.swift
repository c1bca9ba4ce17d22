internal import CLunaShims
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
  /// For a checkpoint (`Checkpoint`): the digests of the files it holds the
  /// union of.
  var covers: [String]? = nil

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
      context.report.incremental = store.summary
      return nil
    }
    try LookupJoin.loadAll(input.schema, in: context)
    let signature = StateSignature.of(
      schema: input.schema, aggregations: aggregations, options: context.options, context: context)
    do {
      try store.makeFolder(signature)
    } catch {
      store.update { $0.notes.append("the states cannot be kept in \(store.directory) (\(error)): every file scanned") }
      context.report.incremental = store.summary
      context.log("incremental: the states cannot be kept in \(store.directory) (\(error)); every file is scanned")
      return nil
    }
    // Attempts: a state whose entity block proves damaged while merging is
    // set aside, and the merge starts again from nothing (the files
    // scanned meanwhile kept: they are reused then).
    var shared = bound.map { SharedAggregate(bound: $0) }
    var parts = [FilePart?](repeating: nil, count: paths.count)
    // Files scanned in any attempt: not reused, though a later attempt
    // reads their states.
    var scanned = Set<Int>()
    var timing = ScanTiming()
    var mergeSeconds = 0.0
    var attempt = 0
    attempts: while true {
      // Each attempt after the first sets a state aside: there are no more
      // than the files and the checkpoint.
      attempt += 1
      guard attempt <= paths.count + 2 else {
        throw InvariantBroken("the kept states of \(store.folder(signature)) could not be merged after \(attempt - 1) attempts")
      }
      shared = bound.map { SharedAggregate(bound: $0) }
      parts = [FilePart?](repeating: nil, count: paths.count)
      // The files with a kept state whose header reads as written; the
      // others are scanned.
      for i in paths.indices where !store.full {
        let statePath = store.statePath(signature, digests[i]!)
        guard access(statePath, F_OK) == 0 else { continue }
        let rejectsPath = store.rejectsPath(signature, digests[i]!)
        do {
          let state = try StateFile.open(
            statePath, signature: signature, digest: digests[i]!, bound: bound, partOnly: true)
          let n = try RejectsFile.read(rejectsPath, file: paths[i], nil)
          guard n == state.part.rejects else {
            throw StateDamaged("its rejects file holds \(n) records, not \(state.part.rejects)")
          }
          parts[i] = state.part.at(paths[i])
        } catch {
          _ = store.setAside(statePath, rejects: rejectsPath, why: "\(error)")
        }
      }
      // The other files, one scan each; each file's state is written on a
      // queue of its own while the next file is scanned.
      let keeper = DispatchQueue(label: "lunapipe.keep-states")
      let keeping = DispatchGroup()
      final class KeepFailure: @unchecked Sendable {
        var error: Error?
      }
      let failure = KeepFailure()
      for i in paths.indices where parts[i] == nil {
        let file = try scanOne(
          paths[i], digest: digests[i]!, input: input, bound: bound, signature: signature, store: store,
          in: context)
        parts[i] = file.part
        scanned.insert(i)
        timing.ticks &+= file.timing.ticks
        timing.validateTicks &+= file.timing.validateTicks
        timing.aggregateTicks &+= file.timing.aggregateTicks
        timing.ticksPerSecond = file.timing.ticksPerSecond
        keeping.wait()
        if let e = failure.error { throw e }
        // The file before this one is kept and its aggregates freed: what
        // its scan left in the workers' heaps goes back to the kernel, or
        // the heaps grow file by file (a first run over 59 monthly files
        // peaked at 384 MB, against 271 MB for one scan of all).
        luna_malloc_trim()
        let digest = digests[i]!
        keeper.async(group: keeping) {
          do {
            try Self.keep(file, digest: digest, signature: signature, store: store)
          } catch {
            failure.error = error
          }
        }
      }
      keeping.wait()
      if let e = failure.error { throw e }
      // What the scans freed in the workers' heaps, back to the kernel
      // before the totals are made: the run's peak comes then.
      if !scanned.isEmpty { luna_malloc_trim() }

      // The last run's checkpoint, when this run's files include all it
      // covers: merged instead of their states.
      let checkpointPath = store.folder(signature) + "/" + Checkpoint.name
      var checkpoint: StateFile?
      if !store.full && access(checkpointPath, F_OK) == 0 {
        do {
          let c = try StateFile.open(checkpointPath, signature: signature, digest: Checkpoint.digest, bound: bound)
          if let covers = c.part.covers, Set(covers).isSubset(of: Set(digests.map { $0! })) { checkpoint = c }
        } catch {
          _ = store.setAside(checkpointPath, rejects: "", why: "\(error)")
        }
      }
      let covered = Set(checkpoint?.part.covers ?? [])
      var merging: [StateFile] = checkpoint.map { [$0] } ?? []
      var mergingPaths: [(state: String, rejects: String)] = checkpoint.map { _ in [(checkpointPath, "")] } ?? []
      for i in paths.indices where !covered.contains(digests[i]!) {
        let (state, rejects) = (store.statePath(signature, digests[i]!), store.rejectsPath(signature, digests[i]!))
        do {
          merging.append(try StateFile.open(state, signature: signature, digest: digests[i]!, bound: bound))
        } catch {
          // Read a moment ago, or written by this run: only a change on disk
          // meanwhile makes it unreadable.
          _ = store.setAside(state, rejects: rejects, why: "\(error)")
          continue attempts
        }
        mergingPaths.append((state, rejects))
      }
      // A new checkpoint when anything beyond the last one is merged.
      let writer = checkpoint == nil || merging.count > 1
        ? try? Checkpoint.Writer(beside: checkpointPath, aggregates: shared) : nil

      // Merged: groups first, then the entities shard by shard, shards
      // shared out over the threads.
      let started = DispatchTime.now().uptimeNanoseconds
      for i in merging.indices { try merging[i].mergeGroups(into: shared) }
      let files = merging
      let totals = shared
      // One shard at a time: its table of the totals (a sixty-fourth of
      // them) stays in the cache while every file's entities of it go in.
      let slices = EntitySets.shardCount
      let workers = max(1, min(context.options.threads, slices))
      final class MergeFailure: @unchecked Sendable {
        var damaged: BlockDamaged?
        var other: Error?
        let lock = NSLock()
      }
      let mergeFailure = MergeFailure()
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        var buffer: [UInt8] = []
        for slice in stride(from: w, to: slices, by: workers) {
          do {
            try StateFile.mergeEntities(
              files, shards: slice..<(slice + 1), into: totals, buffer: &buffer, checkpoint: writer)
          } catch let e as BlockDamaged {
            mergeFailure.lock.lock()
            if mergeFailure.damaged == nil { mergeFailure.damaged = e }
            mergeFailure.lock.unlock()
            return
          } catch {
            mergeFailure.lock.lock()
            if mergeFailure.other == nil { mergeFailure.other = error }
            mergeFailure.lock.unlock()
            return
          }
        }
      }
      mergeSeconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
      if mergeFailure.other != nil || mergeFailure.damaged != nil { writer?.discard() }
      if let e = mergeFailure.other { throw e }
      if let d = mergeFailure.damaged {
        let (state, rejects) = mergingPaths[d.file]
        _ = store.setAside(state, rejects: rejects, why: d.why)
        continue
      }
      if let writer {
        do {
          try writer.finish(
            aggregates: shared, covers: digests.map { $0! }, signature: signature, target: checkpointPath)
        } catch {
          store.update { $0.notes.append("no checkpoint kept: \(error)") }
        }
      }
      store.update { $0.checkpoint = checkpoint != nil }
      break
    }

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
    try context.account(result, scanned: scanned.count)
    try context.checkRejectShare()

    store.use(signature, digests: Set(digests.map { $0! }))
    let inputBytes = all.reduce(0) { $0 + $1.report.bytes }
    let scannedBytes = scanned.reduce(0) { $0 + all[$1].report.bytes }
    store.update { s in
      s.reusedFiles += paths.count - scanned.count
      s.reusedBytes += inputBytes - scannedBytes
      s.scannedFiles += scanned.count
      s.scannedBytes += scannedBytes
      s.inputBytes += inputBytes
      s.mergeSeconds += (mergeSeconds * 1000).rounded() / 1000
    }
    let s = store.summary
    let entities = shared.map { $0.entities.map(\.entityCount) }
    context.log("incremental: merged \(entities.joined().reduce(0, +)) distinct entities (\(entities)) of \(all.count) files")
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
    let rejects: RejectsFile.Writer
    do {
      rejects = try RejectsFile.Writer(path: rejectsPath + ".tmp-\(getpid())")
    } catch {
      throw StateNotKept(error)
    }
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

  /// Keeps a scanned file's state: its rejects file, then the state, each
  /// whole or absent.
  static func keep(_ file: ScannedFile, digest: String, signature: String, store: IncrementalStore) throws {
    do {
      let bytes = try StateFile.encode(
        part: file.part, aggregates: file.aggregates, signature: signature, digest: digest)
      try file.rejects.finish(as: store.rejectsPath(signature, digest))
      try IncrementalStore.writeAtomically(bytes, to: store.statePath(signature, digest))
    } catch {
      throw StateNotKept(error)
    }
  }
}

/// A state could not be written (a full disk, say): the stage scans every
/// file as without kept states, rather than fail the run over a cache.
struct StateNotKept: Error, CustomStringConvertible {
  let underlying: Error
  init(_ error: Error) { underlying = error }
  var description: String { "\(underlying)" }
}

extension AggregateEach {
}
