/// The status page: one self-contained document (no CDN, no internet), refreshed by
/// polling the API. Works on a phone: one column, large touch targets.
///
/// Its HTML, CSS and JS are the files in `Resources/`, embedded in the binary at build
/// time (SwiftPM's `embedInCode`: no resource bundle to install beside it). The style and
/// the script go inline into the document, so the page is still one request.
enum StatusPage {
    /// Only the box's own origin; inline script/style are the page itself.
    static let contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"

    /// `status.html` with `status.css` and `status.js` in place of their lines
    /// `{{ status.css }}` and `{{ status.js }}`; without the file's final newline.
    static let html: String = {
        var document = String(decoding: PackageResources.status_html, as: UTF8.self)
        if document.hasSuffix("\n") { document.removeLast() }
        return document
            .replacing("{{ status.css }}\n", with: String(decoding: PackageResources.status_css, as: UTF8.self), maxReplacements: 1)
            .replacing("{{ status.js }}\n", with: String(decoding: PackageResources.status_js, as: UTF8.self), maxReplacements: 1)
    }()
}
