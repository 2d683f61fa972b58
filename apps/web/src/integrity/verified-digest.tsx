import type { DocumentView } from '@uplink/core/browser'

type Digests = Pick<DocumentView, 'sha256' | 'declaredSha256'>

/** The server's SHA-256 of the stored bytes is the one this browser declared for them. */
export function isVerified(doc: Digests): boolean {
  return doc.sha256 !== null && doc.sha256 === doc.declaredSha256
}

/** "Verified" on a document's card, the SHA-256 shown on demand; nothing when not verified. */
export function VerifiedDigest({ doc }: { doc: Digests }) {
  if (!isVerified(doc)) return null
  return (
    <details className="verified">
      <summary>Verified</summary>
      <p>
        The stored bytes have the SHA-256 your browser computed while sending them:{' '}
        <code>{doc.sha256}</code>
      </p>
    </details>
  )
}
