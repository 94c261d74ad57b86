# Assembles cairn-play.html: the replay view with no trace, the play
# mode's module (JavaScript with the WebAssembly inlined) and its UI.
# cmake -DVIEW=replay.html -DMODULE=cairn_play.js -DUI=play.js -DOUT=... -P
file(READ ${VIEW} page)
file(READ ${MODULE} module)
file(READ ${UI} ui)
# Nothing in a <script> element may close it early.
string(REPLACE "</script" "<\\/script" module "${module}")
string(REPLACE "</script" "<\\/script" ui "${ui}")
string(REPLACE "/*CAIRN_TRACE*/" "" page "${page}")
string(REPLACE "<!--CAIRN_PLAY_MODULE-->" "<script>\n${module}\n</script>"
       page "${page}")
string(REPLACE "<!--CAIRN_PLAY_UI-->" "<script>\n${ui}\n</script>" page
       "${page}")
string(REPLACE "<title>cairn replay</title>" "<title>cairn play</title>" page
       "${page}")
file(WRITE ${OUT} "${page}")
