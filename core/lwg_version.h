/* lwg_version.h - the lwgrpc version (sent in user-agent: lwgrpc/<version>). */
#ifndef LWG_VERSION_H
#define LWG_VERSION_H
#define LWG_VERSION "0.1.0"
#endif
