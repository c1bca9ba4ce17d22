import Dispatch
import Foundation

/// The workers of a scan and the hand-over of its chunks, behind one lock:
/// idle workers, chunks read ahead, free chunk buffers, and the chunks in
/// flight (`ChunkSequencer`). The reader takes a buffer, fills it, and
/// dispatches it to an idle worker, or, when none is idle, queues it; a
/// worker that ends a chunk gives its buffer back with its result and takes
/// the next queued chunk itself (no waking of the reader between two
/// chunks), or goes idle. The reader takes the results in file order and
/// delivers them (on its own thread: rejects and reports are written in
/// file order).
///
/// Memory stays bounded: at most `ahead` chunks wait in the queue, so the
/// buffers in use are the workers' (`threads`), the queued ones and the one
/// or two the reader holds, `threads + ahead + 2` at most; and at most
/// `window` results wait to be delivered.
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
  private var idle: [ParallelScan.Worker]
  /// Chunks read ahead, in file order with their sequence numbers: the
  /// next one goes to the first worker that ends a chunk. Non-empty only
  /// while no worker is idle.
  private var ready: [(chunk: ParallelScan.Chunk, seq: Int)] = []
  /// How many chunks may wait in `ready`: a worker that ends a chunk while
  /// the reader (sharing the processors with the workers) is still reading
  /// the next one need not wait for it.
  static let ahead = 2
  private var buffers: [Buffer] = []
  private var sequencer: ChunkSequencer<Finished>
  private let chunkSize: Int
  private let work: @Sendable (ParallelScan.Chunk, ParallelScan.Worker, Int) -> ParallelScan.ChunkResult
  private let group = DispatchGroup()
  private let queue = DispatchQueue.global(qos: .userInitiated)

  /// A scheduler of `workers`, with buffers of at least `chunkSize` bytes
  /// and at most `window` chunks in flight; `work` processes a chunk on a
  /// worker (a Dispatch thread), given its place in file order (0, 1, …).
  init(
    workers: [ParallelScan.Worker], chunkSize: Int, window: Int,
    work: @escaping @Sendable (ParallelScan.Chunk, ParallelScan.Worker, Int) -> ParallelScan.ChunkResult
  ) {
    idle = workers
    self.chunkSize = chunkSize
    sequencer = ChunkSequencer(window: window)
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

  /// Hands `chunk` to an idle worker, waiting for one and for room in the
  /// window; results released meanwhile go to `deliver`, in file order.
  /// The chunk's buffer is the scheduler's from here on, also when
  /// `deliver` throws (it goes back to the free ones then).
  func dispatch(_ chunk: ParallelScan.Chunk, deliver: (Finished) throws -> Void) throws {
    do {
      try deliverUntil({ (!idle.isEmpty || ready.count < Self.ahead) && sequencer.canIssue }, deliver)
    } catch {
      giveBuffer((chunk.buffer, chunk.capacity))
      throw error
    }
    let seq = sequencer.issue()
    guard let worker = idle.popLast() else {
      ready.append((chunk, seq))
      state.unlock()
      return
    }
    state.unlock()
    start(worker, chunk, seq)
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

  /// Delivers released results until `ready` holds, waiting for a worker
  /// to end when none is released. Returns holding the lock (the caller
  /// unlocks); throws (what `deliver` threw) without it.
  private func deliverUntil(_ ready: () -> Bool, _ deliver: (Finished) throws -> Void) throws {
    state.lock()
    while !ready() {
      if let done = sequencer.release() {
        state.unlock()
        try deliver(done)
        state.lock()
      } else {
        state.wait()
      }
    }
  }
}
