<?xml version="1.0" encoding="UTF-8"?>
<!-- Shows a kzfeed Atom or RSS feed as a readable page when it is opened in a browser. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="UTF-8" indent="yes"/>

  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="atom:feed/atom:title | rss/channel/title"/></title>
        <style>
          body{font:17px/1.55 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
          a{color:#0b57d0}.meta,.note{color:#555;font-size:.9rem}li{margin:.8rem 0}
          .note{background:#f3f6fc;padding:.6rem .8rem;border-radius:.4rem}
        </style>
      </head>
      <body>
        <p class="note">This is a web feed. Copy this page's address into your feed reader
          to subscribe. <a href="{atom:feed/atom:link[@rel='alternate'][@type='text/html']/@href | rss/channel/link}">Back to the site</a></p>
        <xsl:apply-templates select="atom:feed | rss/channel"/>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="atom:feed">
    <h1><xsl:value-of select="atom:title"/></h1>
    <p><xsl:value-of select="atom:subtitle"/></p>
    <ul id="entries">
      <xsl:for-each select="atom:entry">
        <li>
          <a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a><br/>
          <span class="meta"><xsl:value-of select="atom:author/atom:name"/> · <xsl:value-of select="substring(atom:updated, 1, 10)"/></span>
          <p><xsl:value-of select="atom:summary"/></p>
        </li>
      </xsl:for-each>
    </ul>
    <xsl:if test="atom:link[@rel='prev-archive']">
      <p><a href="{atom:link[@rel='prev-archive']/@href}">Older stories</a></p>
    </xsl:if>
  </xsl:template>

  <xsl:template match="channel">
    <h1><xsl:value-of select="title"/></h1>
    <p><xsl:value-of select="description"/></p>
    <ul id="entries">
      <xsl:for-each select="item">
        <li>
          <a href="{link}"><xsl:call-template name="text-of-html"><xsl:with-param name="s" select="title"/></xsl:call-template></a><br/>
          <span class="meta"><xsl:value-of select="pubDate"/></span>
          <p><xsl:call-template name="text-of-html"><xsl:with-param name="s" select="description"/></xsl:call-template></p>
        </li>
      </xsl:for-each>
    </ul>
    <xsl:if test="atom:link[@rel='prev-archive']">
      <p><a href="{atom:link[@rel='prev-archive']/@href}">Older stories</a></p>
    </xsl:if>
  </xsl:template>
  <!-- An RSS item's title and description are text escaped as HTML (RSS readers take them
       for HTML): shown here as that text, still escaped on output, so nothing becomes markup.
       &lt; and &gt; first, &amp; last: "&amp;lt;" is the text "&lt;". -->
  <xsl:template name="text-of-html">
    <xsl:param name="s"/>
    <xsl:call-template name="replace">
      <xsl:with-param name="s">
        <xsl:call-template name="replace">
          <xsl:with-param name="s">
            <xsl:call-template name="replace">
              <xsl:with-param name="s" select="string($s)"/>
              <xsl:with-param name="from" select="'&amp;lt;'"/>
              <xsl:with-param name="to" select="'&lt;'"/>
            </xsl:call-template>
          </xsl:with-param>
          <xsl:with-param name="from" select="'&amp;gt;'"/>
          <xsl:with-param name="to" select="'&gt;'"/>
        </xsl:call-template>
      </xsl:with-param>
      <xsl:with-param name="from" select="'&amp;amp;'"/>
      <xsl:with-param name="to" select="'&amp;'"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="replace">
    <xsl:param name="s"/>
    <xsl:param name="from"/>
    <xsl:param name="to"/>
    <xsl:choose>
      <xsl:when test="contains($s, $from)">
        <xsl:value-of select="substring-before($s, $from)"/>
        <xsl:value-of select="$to"/>
        <xsl:call-template name="replace">
          <xsl:with-param name="s" select="substring-after($s, $from)"/>
          <xsl:with-param name="from" select="$from"/>
          <xsl:with-param name="to" select="$to"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$s"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
