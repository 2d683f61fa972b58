import type { Readable } from 'node:stream'
import { AppError, hasNul, KiB, nulMessage } from '@uplink/core'
import busboy from 'busboy'
import type { Request } from 'express'

const noop = () => {}

/** The file part of a form, with the fields that came before it. */
export interface FormFile {
  /** The fields sent before the file. */
  fields: Record<string, string>
  filename: string
  /** The part's own Content-Type (curl -F sets it from the file name, or `;type=`). */
  mimeType: string
  stream: Readable
  /**
   * Every field of the form (those after the file too), once the form has been read to its
   * end; rejects with the form's error when it fails after the file. Await it only after
   * consuming `stream`: the rest of the form is read after the file.
   */
  ended: Promise<Record<string, string>>
}

const FIELD_LIMIT = 1024
const MAX_FIELDS = 10
const MAX_PARTS = 12
/** busboy's limit on the headers of one part (Node's header limit). */
const PART_HEADER_BYTES = 16 * KiB
/** "--" + a boundary of at most 70 characters (RFC 2046) + CRLFs, per part and at the end. */
const BOUNDARY_BYTES = 80

/**
 * The most a form may carry besides its file's bytes: every part's boundary and headers and
 * every field's value at their limits. A body longer than a file's limit plus this holds a
 * file over that limit.
 */
export const MAX_FORM_OVERHEAD_BYTES =
  (MAX_PARTS + 1) * BOUNDARY_BYTES + MAX_PARTS * PART_HEADER_BYTES + MAX_FIELDS * FIELD_LIMIT

/**
 * Streams a `multipart/form-data` body with busboy (never buffered whole): text fields are
 * collected until the one part named `file`, which `handle` must consume; fields after it
 * arrive in `FormFile.ended`. Resolves with what `handle` returned once the whole form was
 * read; throws `bad_input` for a form to fix.
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
        limits: { files: 1, fields: MAX_FIELDS, fieldSize: FIELD_LIMIT, parts: MAX_PARTS },
        // Filenames are UTF-8 (browsers, curl), not latin-1, busboy's default.
        defParamCharset: 'utf8',
      })
    } catch (err) {
      throw new AppError('bad_input', `the form cannot be read: ${(err as Error).message}`)
    }
    const fields: Record<string, string> = {}
    let handled: Promise<T> | undefined
    let fileStream: Readable | undefined
    let failed = false
    let endForm: (fields: Record<string, string>) => void = () => {}
    let failForm: (err: unknown) => void = () => {}
    const ended = new Promise<Record<string, string>>((res, rej) => {
      endForm = res
      failForm = rej
    })
    // The handler may have failed before it awaited the end of the form.
    ended.catch(() => {})
    const fail = (err: unknown) => {
      if (failed) return
      failed = true
      failForm(err)
      req.unpipe(parser)
      // The rest of the body is not wanted; let it flow so the answer can be read.
      req.resume()
      // A file still streaming stops; the answer waits until the handler has cleaned up.
      if (fileStream && !fileStream.readableEnded) fileStream.destroy()
      const settled = handled?.then(noop, noop) ?? Promise.resolve()
      void settled.then(() => reject(err))
    }
    const tooMany = () =>
      fail(
        new AppError(
          'bad_input',
          `the form has too many fields (at most ${MAX_FIELDS}); send purpose, optional sha256 and file`,
        ),
      )
    parser.on('field', (name, value, info) => {
      if (failed) return
      if (info.valueTruncated) {
        fail(new AppError('bad_input', `form field "${name}" is over ${FIELD_LIMIT} bytes`))
      } else if (hasNul(value)) {
        fail(new AppError('bad_input', nulMessage(`form field "${name}"`)))
      } else if (Object.hasOwn(fields, name)) {
        fail(new AppError('bad_input', `form field "${name}" is sent twice; send it once`))
      } else {
        fields[name] = value
      }
    })
    parser.on('file', (name, stream, info) => {
      // A failed form is not handled further (busboy parses what it already holds).
      if (failed) {
        stream.resume()
        return
      }
      const refusal = handled
        ? 'send exactly one file part, named "file"'
        : name !== 'file'
          ? `the file part must be named "file" (got "${name}")`
          : hasNul(info.filename ?? '')
            ? nulMessage('the file name')
            : undefined
      if (refusal) {
        stream.resume()
        fail(new AppError('bad_input', refusal))
        return
      }
      fileStream = stream
      // The handler sees stream errors as it reads; none may go unheard if it stopped reading.
      stream.on('error', noop)
      handled = handle({
        fields: { ...fields },
        filename: info.filename,
        mimeType: info.mimeType,
        stream,
        ended,
      })
      handled.catch(fail)
    })
    parser.on('filesLimit', () => fail(new AppError('bad_input', 'send exactly one file part')))
    parser.on('fieldsLimit', tooMany)
    parser.on('partsLimit', tooMany)
    parser.on('error', (err) =>
      fail(new AppError('bad_input', `the form cannot be read: ${(err as Error).message}`)),
    )
    parser.on('close', () => {
      if (failed) return
      if (!handled) {
        fail(new AppError('bad_input', 'the form has no file part; send the file as field "file"'))
        return
      }
      endForm({ ...fields })
      handled.then(resolve, fail)
    })
    // A client that hangs up mid-form: the file stream and the form fail, nothing waits forever.
    req.on('close', () => {
      if (!req.complete && !failed) {
        parser.destroy(new Error('the request ended before the whole form arrived'))
      }
    })
    req.pipe(parser)
  })
}
