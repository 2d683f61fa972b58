import type { Body, Meta, Uppy, UppyFile } from '@uppy/core'

type Uploader = Parameters<Uppy<Meta, Body>['addUploader']>[0]

export interface UploaderRoute<M extends Meta, B extends Body> {
  /** Installs the plugin, e.g. `() => uppy.use(Tus, opts)`. */
  install(): void
  /** Whether this plugin uploads `file`. */
  accepts(file: UppyFile<M, B>): boolean
}

/**
 * Uppy runs every uploader on every file, one after the other, so a Tus plugin and an S3
 * plugin would both try each file. This installs each plugin with its uploader captured and
 * adds a single uploader that gives each plugin only its own files, all at once.
 */
export function routeUploaders<M extends Meta, B extends Body>(
  uppy: Uppy<M, B>,
  routes: UploaderRoute<M, B>[],
): void {
  const captured: { uploader: Uploader; accepts: UploaderRoute<M, B>['accepts'] }[] = []
  for (const route of routes) {
    let uploader: Uploader | undefined
    uppy.addUploader = (fn: Uploader) => {
      uploader = fn
    }
    try {
      route.install()
    } finally {
      // Back to the prototype's method.
      Reflect.deleteProperty(uppy, 'addUploader')
    }
    if (!uploader) throw new Error('the plugin registered no uploader')
    captured.push({ uploader, accepts: route.accepts })
  }
  uppy.addUploader(async (fileIDs, uploadID) => {
    await Promise.all(
      captured.map(({ uploader, accepts }) => {
        const mine = fileIDs.filter((id) => accepts(uppy.getFile(id)))
        return mine.length > 0 ? uploader(mine, uploadID) : undefined
      }),
    )
  })
}
