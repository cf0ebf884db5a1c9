import Foundation
import PackagePlugin

/// Derives the list of built-in checks from the files themselves, so that a new check is a new
/// `checks/<name>.sql` file plus, if it needs more than counting its offenders, one Swift file
/// `Builtin/<Name>Check.swift`, and nothing else names it.
///
/// Applied to the target of `checks/` it embeds every `.sql` file into the binary (its bytes,
/// as SwiftPM's own `embedInCode` resources do), so a copied binary needs no files. Applied to
/// the checks target it lists every `Builtin/*Check.swift` type by the file it runs
/// (`MergeFanInCheck` runs `merge_fan_in`). Both are small shell scripts (`od`, `sed`), present
/// wherever SwiftPM runs, so no tool has to be built first.
@main
struct EmbedCheckFiles: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let module = target as? SourceModuleTarget else { return [] }
        let files = module.sourceFiles.map(\.url).sorted { $0.path < $1.path }
        let sql = files.filter { $0.pathExtension == "sql" }
        if !sql.isEmpty {
            let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedCheckFiles.swift")
            return [.buildCommand(
                displayName: "Embedding \(sql.count) check files",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", Self.embed, "embed-check-files", output.path(percentEncoded: false)] + sql.map { $0.path(percentEncoded: false) },
                inputFiles: sql,
                outputFiles: [output]
            )]
        }
        let logic = files.filter { $0.deletingLastPathComponent().lastPathComponent == "Builtin" && $0.lastPathComponent.hasSuffix("Check.swift") }
        let output = context.pluginWorkDirectoryURL.appending(path: "BuiltinCheckLogic.swift")
        return [.buildCommand(
            displayName: "Listing \(logic.count) built-in checks' Swift logic",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", Self.list, "list-check-logic", output.path(percentEncoded: false)] + logic.map { $0.deletingPathExtension().lastPathComponent },
            inputFiles: logic,
            outputFiles: [output]
        )]
    }

    /// `$1` the output file, then the `.sql` files: each file's name and bytes.
    static let embed = #"""
        set -e
        out="$1"; shift
        {
          printf '// Generated at build time by the EmbedCheckFiles plugin from checks/*.sql. Do not edit.\n\n'
          printf 'extension EmbeddedChecks {\n'
          table=''
          for file in "$@"; do
            name=$(basename "$file" .sql)
            bytes=$(od -An -v -tu1 "$file" | tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//; s/ /,/g')
            printf '    private static let file_%s: [UInt8] = [%s]\n' "$name" "$bytes"
            table="$table        (\"$name\", file_$name),
        "
          done
          printf '\n    /// Every file of checks/: its name without .sql, and its bytes.\n'
          printf '    static let generated: [(name: String, bytes: [UInt8])] = [\n%s    ]\n}\n' "$table"
        } > "$out.tmp"
        mv "$out.tmp" "$out"
        """#

    /// `$1` the output file, then the Swift type names (`MergeFanInCheck`): each with the
    /// check file it runs (`merge_fan_in`).
    static let list = #"""
        set -e
        out="$1"; shift
        {
          printf '// Generated at build time by the EmbedCheckFiles plugin from Builtin/*Check.swift. Do not edit.\n\n'
          printf 'extension BuiltinChecks {\n'
          printf '    /// The Swift logic of each built-in check that has one, by the check file it runs.\n'
          printf '    static let logic: [String: any BuiltinCheck.Type] = [\n'
          for type in "$@"; do
            name=$(printf '%s' "${type%Check}" | sed 's/ID/Id/g; s/\([a-z0-9]\)\([A-Z]\)/\1_\2/g' | tr 'A-Z' 'a-z')
            printf '        "%s": %s.self,\n' "$name" "$type"
          done
          printf '    ]\n}\n'
        } > "$out.tmp"
        mv "$out.tmp" "$out"
        """#
}
