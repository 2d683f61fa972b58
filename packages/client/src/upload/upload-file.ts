import type { DocumentView, Policies } from '@uplink/core'
import { chooseMethod, guessContentType } from '../choose-method.ts'
import { toUplinkError, UplinkError } from '../errors.ts'
import { resolveSource, type UploadSource } from '../source.ts'
import { defaultStateDir, resumeKey, StateStore } from '../state-store.ts'
import type { ClientContext } from '../trpc.ts'
import { uploadMultipart } from './multipart.ts'
import type { UploadControl, UploadFileOptions } from './options.ts'
import { uploadPut } from './put.ts'
import { uploadTus } from './tus.ts'

const UPLOADERS = { put: uploadPut, multipart: uploadMultipart, tus: uploadTus }

/** The server's policies (`policies.list`), asked once per client. */
const serverPolicies = new WeakMap<ClientContext, Promise<Policies>>()
function policiesOf(ctx: ClientContext): Promise<Policies> {
  let policies = serverPolicies.get(ctx)
  if (!policies) {
    policies = ctx.trpc.policies.list.query().catch((err: unknown) => {
      throw toUplinkError(err)
    })
    // A failed ask is not remembered: the next upload asks again.
    policies.catch(() => serverPolicies.delete(ctx))
    serverPolicies.set(ctx, policies)
  }
  return policies
}

/**
 * Uploads a file and returns its confirmed document. Picks the method (see `chooseMethod`;
 * tus for a purpose with `inspection: 'sync'`, whose refusal comes back as code `REJECTED`),
 * reports progress, stops on `signal`, and resumes an interrupted multipart or tus upload of
 * the same file (same path, size and mtime) from the state dir, even in a new process.
 */
export async function uploadFile(
  ctx: ClientContext,
  source: UploadSource,
  options: UploadFileOptions<string>,
): Promise<DocumentView> {
  const src = await resolveSource(source, options.size)
  const filename = options.filename ?? src.filename
  if (!filename) {
    throw new UplinkError('INVALID_SOURCE', 'pass { filename } for a Buffer, Blob or stream source')
  }
  // Asked for an explicit method too: a synchronously inspected purpose refuses presigned
  // ones, and saying so before any upload request beats a pending row the server refuses.
  const method = chooseMethod(
    options.purpose,
    src.size,
    options.method ?? 'auto',
    await policiesOf(ctx),
  )
  const identity = options.resumeKey ?? src.identity
  const resume: UploadControl['resume'] =
    identity && method !== 'put'
      ? {
          store: new StateStore(options.stateDir ?? defaultStateDir()),
          key: resumeKey({ serverUrl: ctx.url, purpose: options.purpose, method, identity }),
        }
      : undefined
  const ctl: UploadControl = {
    signal: options.signal,
    partConcurrency: options.partConcurrency ?? 4,
    resume,
    progress: (bytesUploaded) =>
      options.onProgress?.({ bytesUploaded, bytesTotal: src.size, method }),
  }
  const request = {
    purpose: options.purpose,
    filename,
    contentType: options.contentType ?? guessContentType(filename),
    size: src.size,
  }
  return UPLOADERS[method](ctx, src, request, ctl)
}
