import type { DocumentView, VideoFacts } from '@uplink/core'
import type { Document } from '@uplink/db'
import type { Storage } from '@uplink/storage'

/**
 * The API's view of a document row: no owner, no key, no stored URL. `posterUrl` is the one
 * URL in it, minted for this response by `viewDocument` (null here).
 */
export function toDocumentView(doc: Document, posterUrl: string | null = null): DocumentView {
  return {
    id: doc.id,
    purpose: doc.purpose,
    filename: doc.filename,
    contentType: doc.contentType,
    size: doc.sizeBytes,
    status: doc.status,
    method: doc.method,
    createdAt: doc.createdAt.toISOString(),
    confirmedAt: doc.confirmedAt?.toISOString() ?? null,
    rejectionReason: doc.rejectionReason,
    sha256: doc.sha256,
    declaredSha256: doc.declaredSha256,
    scanNote: doc.scanNote,
    video: videoFacts(doc),
    posterUrl,
  }
}

/** What ffprobe found, when the content check stored it (all its columns are set together). */
export function videoFacts(doc: Document): VideoFacts | null {
  const { videoDurationSeconds, videoWidth, videoHeight, videoCodec } = doc
  if (videoDurationSeconds === null || videoWidth === null || videoHeight === null) return null
  if (videoCodec === null) return null
  return {
    durationSeconds: videoDurationSeconds,
    width: videoWidth,
    height: videoHeight,
    videoCodec,
    audioCodec: doc.videoAudioCodec,
    bitrate: doc.videoBitrate,
  }
}

/**
 * The view with a fresh signed GET of the poster of a `ready` video (inline, image/jpeg,
 * `expiresInSeconds` — the download TTL): minted now, never stored (rule 2).
 */
export async function viewDocument(
  storage: Pick<Storage, 'presignGet'>,
  doc: Document,
  expiresInSeconds: number,
): Promise<DocumentView> {
  if (doc.status !== 'ready' || !doc.posterKey) return toDocumentView(doc)
  const signed = await storage.presignGet({
    key: doc.posterKey,
    filename: `${doc.filename.replace(/\.[^.]*$/, '')}.poster.jpg`,
    contentType: 'image/jpeg',
    expiresInSeconds,
  })
  return toDocumentView(doc, signed.url)
}
