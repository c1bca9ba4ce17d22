/// The input files a pipeline reads, as its `ReadCSV` stages resolved
/// them: each stage's patterns and the files they matched, in the order
/// the stages ran. A dry run (`Pipeline.validate(options:)`) collects
/// them without reading a byte; a runner fingerprints them and hands them
/// to the real run's context (`RunContext.resolvedInputs`), where each
/// `ReadCSV` takes the set resolved for its patterns instead of globbing
/// again, so the run reads exactly the files fingerprinted.
///
/// A dry run stops at the first read, so only the `ReadCSV` stages before
/// it are seen: a pipeline that reads more files after its first scan, or
/// reads files whole in its stages (a register, a population), states
/// those (`RunJob.Input`).
///
///     let inputs = try pipeline.validate()
///     for set in inputs.fileSets { print(set.patterns, "→", set.paths) }
public struct PipelineInputs: Sendable, Equatable {
  /// The files one `ReadCSV` stage resolved.
  public struct FileSet: Sendable, Equatable {
    /// The stage's paths and globs, as given to it.
    public var patterns: [String]
    /// The files they matched, as `ReadCSV` returns them (each once, a
    /// glob's sorted, in the order of the patterns).
    public var paths: [String]
    /// The files `patterns` resolved to.
    public init(patterns: [String], paths: [String]) {
      self.patterns = patterns
      self.paths = paths
    }
  }

  /// The file sets, in the order they were resolved; patterns resolved
  /// twice appear once.
  public var fileSets: [FileSet] = []

  /// No file set yet.
  public init(fileSets: [FileSet] = []) { self.fileSets = fileSets }

  /// Every file of every set, in order, each once.
  public var paths: [String] {
    var out: [String] = []
    for s in fileSets { for p in s.paths where !out.contains(p) { out.append(p) } }
    return out
  }

  /// The files resolved for `patterns`; nil when no set has them.
  public func paths(for patterns: [String]) -> [String]? {
    fileSets.first { $0.patterns == patterns }?.paths
  }

  /// Adds the set `patterns` resolved to, unless those patterns have one.
  public mutating func add(_ patterns: [String], paths: [String]) {
    if self.paths(for: patterns) == nil { fileSets.append(FileSet(patterns: patterns, paths: paths)) }
  }
}

/// Thrown in a dry run (`RunContext.dryRun`) where the run would start to
/// read an input (`RunContext.scan`, `RunContext.readTextRecords`): the
/// preparation before it has succeeded. `Pipeline.validate(options:)`
/// catches it; a stage must let it pass.
struct DryRunReachedRead: Error, CustomStringConvertible {
  /// What would have been read.
  var what: String
  var description: String { "dry run: stopped before reading \(what)" }
}
