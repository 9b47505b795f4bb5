"""Language: the text layer every stage shares.

No I/O. Behind this face:

- ``text``: the normaliser (NFKC, the spelling variants of 한·미·일, middle dots, full-width forms,
  whitespace) and the light pre-clean the matcher uses before deciding whether full cleaning is needed;
- ``korean``: particles and morphology (kiwipiepy), so 공급망을 and 반도체와 find 공급망 and 반도체;
- ``detect``: Korean or English, by the script of the text, where a feed does not declare it.
"""
