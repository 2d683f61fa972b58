import { AppError } from '@uplink/core'
import type { NextFunction, Request, RequestHandler, Response } from 'express'

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

interface KnownPath {
  pattern: RegExp
  methods: string[]
  hint: string | undefined
}

/** `/api/documents/{id}` → a RegExp of the whole path, one segment per `{name}`. */
function toPattern(template: string): RegExp {
  const source = template
    .split(/\{[^}]+\}/)
    .map((literal) => literal.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+')
  return new RegExp(`^${source}$`)
}

/**
 * A method the server does not serve on a path it does (the OpenAPI document's paths, and
 * `extra`) gets 405 `method_not_allowed` with `Allow`, not 404. RFC 9110 §15.5.6: "The origin
 * server MUST generate an Allow header field in a 405 response containing a list of the target
 * resource's currently supported methods." HEAD is served wherever GET is; OPTIONS is never
 * refused here.
 */
export function methodNotAllowed(
  paths: Record<string, object | undefined>,
  options: {
    /** More paths and their methods. */
    extra?: Record<string, string[]>
    /** A sentence added to the message, by path template. */
    hints?: Record<string, string>
  } = {},
): RequestHandler {
  const all: [string, string[]][] = [
    ...Object.entries(paths).map(([template, item]): [string, string[]] => [
      template,
      Object.keys(item ?? {}).filter((m) => METHODS.includes(m)),
    ]),
    ...Object.entries(options.extra ?? {}),
  ]
  const known: KnownPath[] = all.map(([template, methods]) => ({
    pattern: toPattern(template),
    methods,
    hint: options.hints?.[template],
  }))
  return (req: Request, res: Response, next: NextFunction) => {
    const matching = known.filter((k) => k.pattern.test(req.path))
    if (matching.length === 0) return next()
    const allowed = new Set(matching.flatMap((k) => k.methods.map((m) => m.toUpperCase())))
    if (allowed.has('GET')) allowed.add('HEAD')
    // OPTIONS goes on: CORS preflights (tus answers them on every /files URL) and tus discovery.
    if (allowed.has(req.method) || req.method === 'OPTIONS') return next()
    const allow = [...allowed].sort().join(', ')
    res.set('Allow', allow)
    const hints = matching.flatMap((k) => (k.hint ? [` (${k.hint})`] : [])).join('')
    const message = `${req.method} is not allowed on ${req.path}; use ${allow}${hints}`
    next(new AppError('method_not_allowed', message))
  }
}
