/**
 * What people call a file's type: "a Word document", "a text file", "an MP4 video". By media
 * type first, then by the name's extension (browsers often send none for office files), then
 * the extension itself ("a DOCX file").
 */
const BY_TYPE: Record<string, string> = {
  'application/pdf': 'a PDF document',
  'application/msword': 'a Word document',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'a Word document',
  'application/vnd.ms-excel': 'an Excel spreadsheet',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'an Excel spreadsheet',
  'application/vnd.ms-powerpoint': 'a PowerPoint presentation',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation':
    'a PowerPoint presentation',
  'application/vnd.oasis.opendocument.text': 'an OpenDocument text',
  'application/zip': 'a ZIP archive',
  'application/json': 'a JSON file',
  'text/plain': 'a text file',
  'text/markdown': 'a text file',
  'text/csv': 'a CSV spreadsheet',
  'text/html': 'an HTML page',
  'image/png': 'a PNG image',
  'image/jpeg': 'a JPEG image',
  'image/webp': 'a WebP image',
  'image/gif': 'a GIF image',
  'image/svg+xml': 'an SVG image',
  'image/heic': 'a HEIC photo',
  'audio/mpeg': 'an MP3 audio file',
  'video/mp4': 'an MP4 video',
  'video/quicktime': 'a QuickTime (MOV) video',
  'video/webm': 'a WebM video',
  'video/x-matroska': 'an MKV video',
  'video/x-msvideo': 'an AVI video',
}

const BY_EXTENSION: Record<string, string> = {
  pdf: 'application/pdf',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  zip: 'application/zip',
  json: 'application/json',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  htm: 'text/html',
  html: 'text/html',
  mp3: 'audio/mpeg',
  mov: 'video/quicktime',
  mkv: 'video/x-matroska',
  avi: 'video/x-msvideo',
}

const VOWEL_SOUND = /^[aeiou]|^[AEFHILMNORSX][A-Z0-9]*\b/

/** "a Word document" for `contentType` (or the name's extension); undefined when unknown. */
export function typePhrase(contentType: string, filename = ''): string | undefined {
  const known = BY_TYPE[contentType]
  if (known) return known
  const ext = /\.([a-z0-9]{1,8})$/i.exec(filename)?.[1]
  if (!ext) return undefined
  const byExt = BY_TYPE[BY_EXTENSION[ext.toLowerCase()] ?? '']
  if (byExt) return byExt
  const upper = ext.toUpperCase()
  return `${VOWEL_SOUND.test(upper) ? 'an' : 'a'} ${upper} file`
}

/** The phrase without its article, for labels: "Word document", "MP4 video". */
export function typeLabel(contentType: string, filename = ''): string {
  return typePhrase(contentType, filename)?.replace(/^an? /, '') ?? 'file of unknown type'
}
