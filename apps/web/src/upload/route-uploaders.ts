import { type Body, type Meta, Uppy, type UppyFile } from '@uppy/core'

type Uploader = Parameters<Uppy<Meta, Body>['addUploader']>[0]

export interface UploaderRoute<M extends Meta, B extends Body> {
  /** Installs the plugin, e.g. `() => uppy.use(Tus, opts)`. */
  install(): void
  /** Whether this plugin uploads `file`. */
  accepts(file: UppyFile<M, B>): boolean
}

/**
 * Uppy runs every uploader on every file, one after the other, so a Tus plugin and an S3
 * plugin would both try each file. This Uppy overrides the public `addUploader` /
 * `removeUploader` (the documented plugin contract, type-checked against Uppy's own
 * declarations; no instance patching): uploaders of plugins installed through `route()` are
 * kept here, and one uploader gives each plugin only its own files, all at once.
 */
export class RoutedUppy<M extends Meta, B extends Body> extends Uppy<M, B> {
  #routes: { uploader: Uploader; accepts: UploaderRoute<M, B>['accepts'] }[] = []
  #installing: UploaderRoute<M, B>['accepts'] | undefined

  /** Installs each plugin so that it uploads only the files its route accepts. */
  route(routes: UploaderRoute<M, B>[]): void {
    for (const route of routes) {
      this.#installing = route.accepts
      const before = this.#routes.length
      try {
        route.install()
      } finally {
        this.#installing = undefined
      }
      if (this.#routes.length === before) throw new Error('the plugin registered no uploader')
    }
  }

  override addUploader(fn: Uploader): void {
    if (!this.#installing) {
      super.addUploader(fn)
      return
    }
    this.#routes.push({ uploader: fn, accepts: this.#installing })
    if (this.#routes.length === 1) super.addUploader(this.#upload)
  }

  override removeUploader(fn: Uploader): boolean {
    const i = this.#routes.findIndex((r) => r.uploader === fn)
    if (i < 0) return super.removeUploader(fn)
    this.#routes.splice(i, 1)
    if (this.#routes.length === 0) super.removeUploader(this.#upload)
    return true
  }

  #upload: Uploader = async (fileIDs, uploadID) => {
    await Promise.all(
      this.#routes.map(({ uploader, accepts }) => {
        const mine = fileIDs.filter((id) => accepts(this.getFile(id)))
        return mine.length > 0 ? uploader(mine, uploadID) : undefined
      }),
    )
  }
}
