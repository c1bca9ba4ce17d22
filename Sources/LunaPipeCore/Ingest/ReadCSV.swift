import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The input files of a run, globs expanded, in the order given.
public struct CSVFiles: Sendable {
  /// The files' paths: each pattern's matches (a glob's sorted), in the order
  /// of the patterns, every file once.
  public var paths: [String]
}

/// Stage: resolves paths and globs (`extracts/ydelser-*.csv`) into files.
/// A path that does not exist, or a glob that matches nothing, is an input
/// error naming it.
public struct ReadCSV: Stage {
  /// Logs and errors name the stage `read`.
  public let label = "read"
  /// Resolves the files; the scan that consumes them reads them.
  public var deferredToScan: Bool { true }
  /// The paths and globs to resolve (`*`, `?` and `[...]` make a glob).
  public var patterns: [String]

  /// Reads the files `patterns` name.
  public init(_ patterns: [String]) { self.patterns = patterns }

  /// Resolves the patterns into files, reading none. When the context has
  /// a set resolved for these patterns already (`RunContext.resolvedInputs`:
  /// a runner fingerprinted it), that set is taken as it is, not globbed
  /// again; in a dry run the set resolved is added there.
  ///
  /// - Throws: `PipelineError.configuration` when no pattern is given;
  ///   `PipelineError.input` for a path that does not exist, cannot be
  ///   opened or is a directory, and a glob that matches no file.
  public func run(_ input: Void, in context: RunContext) throws -> CSVFiles {
    if patterns.isEmpty { throw PipelineError.configuration("no input files given") }
    if let resolved = context.resolvedInputs.paths(for: patterns) { return CSVFiles(paths: resolved) }
    let files = try resolve()
    if context.dryRun { context.resolvedInputs.add(patterns, paths: files.paths) }
    return files
  }

  /// The files the patterns name now, globbing; throws as `run(_:in:)`.
  public func resolve() throws -> CSVFiles {
    var paths: [String] = []
    for p in patterns {
      let matches = try Self.expand(p)
      for m in matches where !paths.contains(m) { paths.append(m) }
    }
    return CSVFiles(paths: paths)
  }

  static func expand(_ pattern: String) throws -> [String] {
    let isGlob = pattern.contains { "*?[".contains($0) }
    if !isGlob {
      var st = stat()
      guard stat(pattern, &st) == 0 else {
        let e = errno
        if e == ENOENT { throw PipelineError.input("\(pattern): no such file") }
        throw PipelineError.input("\(pattern): cannot open (\(String(cString: strerror(e))))")
      }
      if (st.st_mode & S_IFMT) == S_IFDIR { throw PipelineError.input("\(pattern): is a directory, not a file") }
      if let what = InputFiles.notRegular(st) {
        throw PipelineError.input(
          "\(pattern): is \(what), not a regular file; LunaPipe reads inputs from regular files only (save the delivery to a file and name that)"
        )
      }
      return [pattern]
    }
    var g = glob_t()
    defer { globfree(&g) }
    let rc = glob(pattern, 0, nil, &g)
    guard rc == 0 else { throw PipelineError.input("\(pattern): matches no file") }
    var out: [String] = []
    for i in 0..<Int(g.gl_pathc) {
      if let p = g.gl_pathv[i] { out.append(String(cString: p)) }
    }
    return out.sorted()
  }
}

extension Pipeline where Output == Void {
  /// Reads the files named by `patterns` (paths or globs).
  public func readCSV(_ patterns: [String]) -> Pipeline<Input, CSVFiles> { then(ReadCSV(patterns)) }
}
