import Foundation
import Testing

/// The layers of docs/architecture.md, as the source tree must keep them: each target imports
/// only the layers below it, and the reports never touch a database. SwiftPM already refuses
/// an undeclared or backward import (scripts/test.sh builds with
/// `--explicit-target-dependency-import-check error`); this also refuses a layer reaching two
/// floors down through a transitive dependency it was not meant to use.
@Suite("Architecture")
struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// What each target may import, besides the system's own modules.
    static let allowed: [String: Set<String>] = [
        "IDHealthSQL": ["CSQLite", "CLibPQ", "CCrypto", "CODBC", "CADBC", "CCurl"],
        "IDHealthGenerate": ["IDHealthSQL"],
        "IDHealthMaterialize": ["IDHealthSQL"],
        "IDHealthChecks": ["IDHealthSQL", "IDHealthMaterialize", "IDHealthCheckSQL"],
        "IDHealthReports": ["IDHealthSQL", "IDHealthChecks", "Mustache"],
        "IDHealthKit": ["IDHealthSQL", "IDHealthMaterialize", "IDHealthChecks", "IDHealthReports", "Yams"],
        "idhealth": ["IDHealthKit", "IDHealthSQL", "IDHealthGenerate", "IDHealthMaterialize", "IDHealthChecks", "IDHealthReports", "ArgumentParser"],
    ]
    static let system: Set<String> = ["Foundation", "Dispatch", "Glibc", "Darwin"]

    static func swiftFiles(in target: String) -> [URL] {
        let folder = root.appendingPathComponent("Sources").appendingPathComponent(target)
        var files: [URL] = []
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            if url.pathExtension == "swift" { files.append(url) }
        }
        return files
    }

    @Test("each target imports only the layers below it")
    func imports() throws {
        var found: Set<String> = []
        for (target, allowed) in Self.allowed {
            let files = Self.swiftFiles(in: target)
            #expect(!files.isEmpty, "no sources for \(target)")
            for file in files {
                for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                    let words = line.split(separator: " ")
                    guard words.count >= 2, words[0] == "import" || (words[0] == "@testable" && words[1] == "import") else { continue }
                    let module = String(words.last!)
                    found.insert(target)
                    #expect(Self.system.contains(module) || allowed.contains(module), "\(target)/\(file.lastPathComponent) imports \(module)")
                }
            }
        }
        #expect(found == Set(Self.allowed.keys))
    }

    @Test("the reports are pure functions of a check run: no database in them")
    func reportsDoNotQueryDatabases() throws {
        let forbidden = try NSRegularExpression(pattern: #"\bDatabase\b|\.(execute|executeScript|forEachRow|firstRow|scalar|bulkLoad|rows)\((?!let )"#)
        for file in Self.swiftFiles(in: "IDHealthReports") {
            let text = try String(contentsOf: file, encoding: .utf8)
            let uses = forbidden.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range, in: text)!]) }
            #expect(uses.isEmpty, "\(file.lastPathComponent) uses \(uses)")
        }
    }

    @Test("no comment points at a document that is not in the repository")
    func documentsExist() throws {
        var pointers: [String] = []
        let expression = try NSRegularExpression(pattern: #"\b(?:docs/[A-Za-z0-9_./-]+\.md|DESIGN\.md|STYLE\.md)"#)
        for folder in ["Sources", "Tests", "checks", "scripts"] {
            let enumerator = FileManager.default.enumerator(at: Self.root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            while let url = enumerator?.nextObject() as? URL {
                guard ["swift", "sql", "sh", "md"].contains(url.pathExtension) else { continue }
                let text = try String(contentsOf: url, encoding: .utf8)
                for match in expression.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    let reference = String(text[Range(match.range, in: text)!])
                    if !FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(reference).path) {
                        pointers.append("\(url.lastPathComponent): \(reference)")
                    }
                }
            }
        }
        #expect(pointers.isEmpty, "comments point at documents the repository does not have: \(Set(pointers).sorted())")
    }
}
