import Dispatch
import Foundation

/// The workers of a scan and the hand-over of its chunks, behind one lock:
/// idle workers, chunks read ahead, free chunk buffers, and the chunks in
/// flight (`ChunkSequencer`). The reader is one of the scan's threads: of
/// its `threads` workers, the first is the reader's own and the others run
/// on Dispatch. The reader takes a buffer, fills it, and dispatches it to
/// an idle worker, or, when none is idle, queues it; when more than
/// `ahead` chunks are queued (and while it waits for room in the window)
/// it processes the oldest one itself. A Dispatch worker that ends a chunk
/// gives its buffer back with its result and takes the next queued chunk
/// itself (no waking of the reader between two chunks), or goes idle. The
/// reader takes the results in file order and delivers them (on its own
/// thread: rejects and reports are written in file order).
///
/// So `threads` threads do the work, reading included: one thread reads
/// and processes in turn, two keep both processors busy with no third
/// thread taking turns with them. From 2 threads the reader keeps
/// `threads` chunks queued before it takes one itself: enough for the
/// Dispatch workers to go on with while it processes one.
///
/// Memory stays bounded: at most `window(threads:)` chunks are in flight
/// (queued, being processed, or their results waiting to be delivered), so
/// the buffers in use are those and the one or two the reader holds.
///
/// Sendable by its lock: every field but the constants is touched under it.
final class ChunkScheduler: @unchecked Sendable {
  /// A chunk buffer and its capacity in bytes.
  typealias Buffer = (pointer: UnsafeMutableRawPointer, capacity: Int)

  /// A chunk's result, released in file order: the file (by index) and the
  /// byte offset in it where the chunk starts.
  struct Finished {
    var file: Int
    var fileOffset: Int
    var result: ParallelScan.ChunkResult
  }

  private let state = NSCondition()
  /// The reader's own worker: it processes chunks on the reader's thread.
  private let own: ParallelScan.Worker
  /// The Dispatch workers with no chunk.
  private var idle: [ParallelScan.Worker]
  /// Chunks read ahead, in file order with their sequence numbers: the
  /// next one goes to the first Dispatch worker that ends a chunk, or to
  /// the reader. Non-empty only while no Dispatch worker is idle.
  private var ready: [(chunk: ParallelScan.Chunk, seq: Int)] = []
  /// How many chunks may wait in `ready` while the reader reads on: as
  /// many as the workers, so that the Dispatch workers ending a chunk while
  /// the reader processes one need not wait for it. None when the reader
  /// works alone.
  private let ahead: Int

  /// The chunks a scan of `threads` workers may have in flight: the
  /// Dispatch workers' (`threads - 1`), `ahead` queued and the one the
  /// reader adds before it takes the oldest, or `threads + 2` if more.
  static func window(threads: Int) -> Int { max(threads + 2, 2 * threads) }
  private var buffers: [Buffer] = []
  private var sequencer: ChunkSequencer<Finished>
  private let chunkSize: Int
  private let work: @Sendable (ParallelScan.Chunk, ParallelScan.Worker, Int) -> ParallelScan.ChunkResult
  private let group = DispatchGroup()
  private let queue = DispatchQueue.global(qos: .userInitiated)

  /// A scheduler of `workers` (at least one: the first is the reader's),
  /// with buffers of at least `chunkSize` bytes and at most
  /// `window(threads: workers.count)` chunks in flight; `work` processes a
  /// chunk on a worker (the reader's thread or a Dispatch thread), given
  /// its place in file order (0, 1, …).
  init(
    workers: [ParallelScan.Worker], chunkSize: Int,
    work: @escaping @Sendable (ParallelScan.Chunk, ParallelScan.Worker, Int) -> ParallelScan.ChunkResult
  ) {
    precondition(!workers.isEmpty, "a scan needs a worker")
    own = workers[0]
    idle = Array(workers.dropFirst())
    ahead = workers.count > 1 ? workers.count : 0
    self.chunkSize = chunkSize
    sequencer = ChunkSequencer(window: Self.window(threads: workers.count))
    self.work = work
  }

  // MARK: Buffers

  /// A free buffer of at least `minimum` bytes, or a new one (of at least
  /// `chunkSize`), freeing a free one too small so their count stays.
  func takeBuffer(minimum: Int) -> Buffer {
    state.lock()
    defer { state.unlock() }
    if let i = buffers.firstIndex(where: { $0.capacity >= minimum }) { return buffers.remove(at: i) }
    if let b = buffers.popLast() { b.pointer.deallocate() }
    let cap = max(minimum, chunkSize)
    return (UnsafeMutableRawPointer.allocate(byteCount: cap, alignment: 64), cap)
  }

  /// A buffer back to the free ones (its owner is done with it).
  func giveBuffer(_ b: Buffer) {
    state.lock()
    buffers.append(b)
    state.unlock()
  }

  // MARK: Hand-over

  /// Hands `chunk` to an idle Dispatch worker or queues it, waiting for
  /// room in the window; processes the oldest queued chunks on this thread
  /// while more than `ahead` are queued, or while it waits. Results
  /// released meanwhile go to `deliver`, in file order. The chunk's buffer
  /// is the scheduler's from here on, also when `deliver` throws (it goes
  /// back to the free ones then).
  func dispatch(_ chunk: ParallelScan.Chunk, deliver: (Finished) throws -> Void) throws {
    do {
      try deliverUntil({ sequencer.canIssue }, deliver)
    } catch {
      giveBuffer((chunk.buffer, chunk.capacity))
      throw error
    }
    let seq = sequencer.issue()
    if let worker = idle.popLast() {
      state.unlock()
      start(worker, chunk, seq)
      return
    }
    ready.append((chunk, seq))
    while ready.count > ahead { processQueued() }
    state.unlock()
  }

  /// Processes the oldest queued chunk on the reader's thread, with the
  /// reader's worker. Called holding the lock, returns holding it.
  private func processQueued() {
    let (chunk, seq) = ready.removeFirst()
    state.unlock()
    let result = work(chunk, own, seq)
    state.lock()
    sequencer.receive(Finished(file: chunk.file, fileOffset: chunk.fileOffset, result: result), for: seq)
    buffers.append((chunk.buffer, chunk.capacity))
  }

  /// `worker` processes `chunk`, then each queued chunk it finds on ending
  /// one, and goes idle when it finds none.
  private func start(_ worker: ParallelScan.Worker, _ chunk: ParallelScan.Chunk, _ seq: Int) {
    let work = self.work
    queue.async(group: group) {
      var (chunk, seq) = (chunk, seq)
      while true {
        let result = work(chunk, worker, seq)
        self.state.lock()
        self.sequencer.receive(Finished(file: chunk.file, fileOffset: chunk.fileOffset, result: result), for: seq)
        self.buffers.append((chunk.buffer, chunk.capacity))
        self.state.signal()
        if self.ready.isEmpty {
          self.idle.append(worker)
          self.state.unlock()
          return
        }
        (chunk, seq) = self.ready.removeFirst()
        self.state.unlock()
      }
    }
  }

  /// Delivers the results that are next in file order and have arrived,
  /// without waiting for the others.
  func deliverReleased(_ deliver: (Finished) throws -> Void) throws {
    while true {
      state.lock()
      let done = sequencer.release()
      state.unlock()
      guard let done else { return }
      try deliver(done)
    }
  }

  /// No more chunks: waits for those in flight, delivering each in order.
  func finish(deliver: (Finished) throws -> Void) throws {
    state.lock()
    sequencer.end()
    state.unlock()
    try deliverUntil({ sequencer.isFinished }, deliver)
    state.unlock()
  }

  /// Waits for the workers' last tasks and frees the buffers: after the
  /// scan, also one that failed (no result is delivered any more).
  func close() {
    // Chunks still queued after a scan that failed: not processed.
    state.lock()
    for r in ready { buffers.append((r.chunk.buffer, r.chunk.capacity)) }
    ready.removeAll()
    state.unlock()
    group.wait()
    state.lock()
    for b in buffers { b.pointer.deallocate() }
    buffers.removeAll()
    state.unlock()
  }

  /// Delivers released results until `done` holds; when none is released,
  /// processes a queued chunk, or, with none queued, waits for a Dispatch
  /// worker to end one. Returns holding the lock (the caller unlocks);
  /// throws (what `deliver` threw) without it.
  private func deliverUntil(_ done: () -> Bool, _ deliver: (Finished) throws -> Void) throws {
    state.lock()
    while !done() {
      if let finished = sequencer.release() {
        state.unlock()
        try deliver(finished)
        state.lock()
      } else if !ready.isEmpty {
        processQueued()
      } else {
        state.wait()
      }
    }
  }
}
