import { describe, expect, it } from 'vitest'
import { xmlBlocks, xmlEscape, xmlRoot, xmlText, xmlValue } from './s3-xml.ts'

describe('the XML of S3 answers', () => {
  const listParts = `<?xml version="1.0" encoding="UTF-8"?>
<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket><Key>a/&#252; ber &amp; (1).pdf</Key><IsTruncated>false</IsTruncated>
<Part><PartNumber>1</PartNumber><ETag>&quot;abc&quot;</ETag><Size>5242880</Size></Part>
<Part><PartNumber>2</PartNumber><ETag>"def"</ETag><Size>3</Size><ChecksumSHA256/></Part></ListPartsResult>`

  it('reads values with entities and numeric references decoded, and repeated elements in order', () => {
    expect(xmlRoot(listParts)).toBe('ListPartsResult')
    expect(xmlValue(listParts, 'Key')).toBe('a/ü ber & (1).pdf')
    expect(xmlBlocks(listParts, 'Part').map((p) => xmlValue(p, 'ETag'))).toEqual(['"abc"', '"def"'])
    expect(xmlValue(xmlBlocks(listParts, 'Part')[1] ?? '', 'ChecksumSHA256')).toBe('')
    expect(xmlValue(listParts, 'NextPartNumberMarker')).toBeUndefined()
    expect(xmlText(xmlEscape(`<a href="x">'&'</a>`))).toBe(`<a href="x">'&'</a>`)
  })
})
