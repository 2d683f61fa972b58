import type { Readable } from 'node:stream'
import { AppError } from '@uplink/core'
import busboy from 'busboy'
import type { Request } from 'express'

/** The file part of a form, with the fields that came before it. */
export interface FormFile {
  fields: Record<string, string>
  filename: string
  /** The part's own Content-Type (curl -F sets it from the file name, or `;type=`). */
  mimeType: string
  stream: Readable
}

const FIELD_LIMIT = 1024

/**
 * Streams a `multipart/form-data` body with busboy (never buffered whole): text fields are
 * collected until the one part named `file`, which `handle` must consume. Fields the handler
 * needs must come before the file, since the body is read once, in order. Resolves with what
 * `handle` returned once the whole form was read; throws `bad_input` for a form to fix.
 */
export function readFormUpload<T>(
  req: Request,
  handle: (file: FormFile) => Promise<T>,
): Promise<T> {
  const type = req.header('content-type') ?? ''
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new AppError(
      'bad_input',
      `send the upload as multipart/form-data with fields purpose, optional sha256, then file (got Content-Type ${type || 'none'})`,
    )
  }
  return new Promise<T>((resolve, reject) => {
    let parser: busboy.Busboy
    try {
      parser = busboy({
        headers: req.headers,
        limits: { files: 1, fields: 10, fieldSize: FIELD_LIMIT, parts: 12 },
      })
    } catch (err) {
      throw new AppError('bad_input', `the form cannot be read: ${(err as Error).message}`)
    }
    const fields: Record<string, string> = {}
    let handled: Promise<T> | undefined
    let failed = false
    const fail = (err: unknown) => {
      if (failed) return
      failed = true
      req.unpipe(parser)
      // The rest of the body is not wanted; let it flow so the answer can be read.
      req.resume()
      reject(err)
    }
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) {
        fail(new AppError('bad_input', `form field "${name}" is over ${FIELD_LIMIT} bytes`))
        return
      }
      fields[name] = value
    })
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || handled) {
        stream.resume()
        fail(
          new AppError(
            'bad_input',
            handled
              ? 'send exactly one file part, named "file"'
              : `the file part must be named "file" (got "${name}")`,
          ),
        )
        return
      }
      handled = handle({
        fields: { ...fields },
        filename: info.filename,
        mimeType: info.mimeType,
        stream,
      })
      handled.catch(fail)
    })
    parser.on('filesLimit', () => fail(new AppError('bad_input', 'send exactly one file part')))
    parser.on('error', (err) =>
      fail(new AppError('bad_input', `the form cannot be read: ${(err as Error).message}`)),
    )
    parser.on('close', () => {
      if (failed) return
      if (!handled) {
        fail(new AppError('bad_input', 'the form has no file part; send the file as field "file"'))
        return
      }
      handled.then(resolve, fail)
    })
    req.pipe(parser)
  })
}
