import ArgumentParser

/// An unknown long option, named as such even when the arguments have
/// another problem too.
///
/// ArgumentParser decodes and validates a command (its required options,
/// its option groups' `validate()`) before it looks for arguments it did
/// not use, so `lunapipe run praksisplan --claim x` was told that `--out`
/// is missing, or to give the claims with `--claims`, rather than that
/// `--claim` is no option. When parsing fails, `find(in:)` looks for a
/// `--name` that the subcommand does not know, before anything else is
/// said.
enum UnknownOption {
  /// The subcommand `arguments` name (its names as the command line gives
  /// them, `["run", "praksisplan"]`), and the first long option it does not
  /// know, with the known one nearest to it; nil when every long option is
  /// known.
  static func find(in arguments: [String], root: ParsableCommand.Type = LunaPipeCommand.self)
    -> (command: [String], option: String, nearest: String?)?
  {
    var command: ParsableCommand.Type = root
    var names: [String] = []
    var rest = arguments[...]
    while let next = rest.first,
      let sub = command.configuration.subcommands.first(where: { $0._commandName == next })
    {
      command = sub
      names.append(next)
      rest = rest.dropFirst()
    }
    var known = knownOptions(of: command, root: root)
    // A command with a default subcommand (`history` runs `list`) takes
    // that one's options too.
    if let d = command.configuration.defaultSubcommand { known.formUnion(knownOptions(of: d, root: root)) }
    for argument in rest {
      if argument == "--" { break }
      guard argument.hasPrefix("--"), argument.count > 2 else { continue }
      let option = String(argument.split(separator: "=", maxSplits: 1)[0])
      if known.contains(option) { continue }
      let nearest = known.min { distance($0, option) < distance($1, option) }
      return (names, option, nearest.flatMap { distance($0, option) <= 2 ? $0 : nil })
    }
    return nil
  }

  /// Every long option of `command`, hidden ones too, as its help names
  /// them (and `--help`, `--version`).
  static func knownOptions(of command: ParsableCommand.Type, root: ParsableCommand.Type) -> Set<String> {
    let help = root.helpMessage(for: command, includeHidden: true, columns: 1000)
    var known: Set<String> = ["--help", "--version", "--experimental-dump-help"]
    var i = help.startIndex
    while let r = help.range(of: "--", range: i..<help.endIndex) {
      var end = r.upperBound
      while end < help.endIndex, help[end].isLetter || help[end].isNumber || help[end] == "-" {
        end = help.index(after: end)
      }
      if end > r.upperBound { known.insert(String(help[r.lowerBound..<end])) }
      i = end
    }
    return known
  }

  /// The edit distance of two short strings.
  static func distance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var row = Array(0...b.count)
    for i in 1...max(1, a.count) where !a.isEmpty {
      var previous = row[0]
      row[0] = i
      for j in 1...max(1, b.count) where !b.isEmpty {
        let old = row[j]
        row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
        previous = old
      }
    }
    return row[b.count]
  }

  /// The message: `unknown option '--claim' (did you mean '--claims'?)`.
  static func message(_ found: (command: [String], option: String, nearest: String?)) -> String {
    let command = (["lunapipe"] + found.command).joined(separator: " ")
    return "Error: unknown option '\(found.option)'"
      + (found.nearest.map { " (did you mean '\($0)'?)" } ?? "")
      + "\nSee '\(command) --help' for its options.\n"
  }
}
