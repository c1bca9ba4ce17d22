import ArgumentParser
import Foundation
import LunaSamples

struct Samples: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write the sample extracts: claims 2019-2023 of every region, the provider register and the population.",
    discussion: """
      Writes ydelser-2019.csv ... ydelser-2023.csv (one file per year, each in
      another dialect the claims contract allows, with invalid records among
      them), ydere.csv (the provider register) and befolkning-folk1a.csv
      (the population, as Statistikbanken's FOLK1A download).

      full (about 6.8 million claim lines, 450 MB): Region Nordjylland's
      specialer 51 and 62 line by line, reproducing the published
      praksisplan's kommune tables cell by cell; riding physiotherapy (65,
      57); and every kommune of the four other regions, so that any --region
      makes a plan: their patients live in each kommune in proportion to its
      population and are treated at its practices, at the published region
      totals for 2020-2023, 2019 scaled from 2020. Outside Region
      Nordjylland a patient-year comes in one line per 99 ydelser (Antal up
      to 99) rather than one per service: about 0.1 claim lines per
      inhabitant a year against Nordjylland's 1.4, so the whole country
      takes 1.09 times the lines and bytes of the sample whose other regions
      had four kommuner each and no 2019 (6.3 million lines, 412 MB). The
      kommune tables count ydelser, udgift and distinct patients, which the
      bundled lines keep. The register holds Nordjylland's 50 practices of
      the plan and 7 riding practices, then about one made-up practice per
      12,000 inhabitants in every other kommune and a riding practice in
      each kommune of 60,000 inhabitants or more.

      small (well under 2 MB, committed as Samples/small): the lines of full
      that touch Læsø, in the same order, so it reproduces Læsø's rows; the
      register and population of Region Nordjylland alone.
      """)

  @Option(name: .long, help: "Directory to write the extracts into.")
  var out: String

  @Option(name: .long, help: "small or full.")
  var scale: SampleScale = .full

  @Option(name: .long, help: "Seed: another seed gives other patients and order, the same published totals.")
  var seed: UInt64 = 1

  func run() throws {
    let started = Date()
    let files = try SampleGenerator(scale: scale, seed: seed).write(to: out)
    for f in files { say(f) }
    StandardStreams.write(
      String(format: "lunapipe: wrote %d files in %.1f s\n", files.count, Date().timeIntervalSince(started)),
      to: STDERR_FILENO)
  }
}

extension SampleScale: ExpressibleByArgument {}
