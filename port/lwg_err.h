/*
 * lwg_err.h - the one error convention of lwgrpc.
 *
 * Functions return int: 0 (LWG_OK) or a positive count on success, a
 * negative LWG_E... code on failure.  Failures fall in three classes:
 *   - would block / need more: LWG_EAGAIN.  Try again after the event the
 *     function's comment names (more input, room to send, a free slot).
 *   - stream error: LWG_ESTREAM.  One stream is reset; the rest go on.
 *   - connection error: LWG_ECONN.  The connection sends GOAWAY and closes;
 *     it keeps the first fatal error (lwg_h2_conn_error()).
 * The other codes describe misuse or exhausted fixed tables.
 * gRPC-visible failures are lwg_status codes 0..16 (core/), not these.
 */
#ifndef LWG_ERR_H
#define LWG_ERR_H

#define LWG_OK        0
#define LWG_EAGAIN   (-1)  /* would block or need more bytes: retry later  */
#define LWG_EINVAL   (-2)  /* bad argument or call in the wrong state      */
#define LWG_ENOMEM   (-3)  /* a fixed table or buffer is full              */
#define LWG_ESTREAM  (-4)  /* the stream was reset                         */
#define LWG_ECONN    (-5)  /* the connection failed (GOAWAY / closed)      */
#define LWG_ECLOSED  (-6)  /* the object is closed or shutting down        */
#define LWG_EPROTO   (-7)  /* the peer broke the protocol                  */
#define LWG_EIO      (-8)  /* the port's I/O failed                        */
#define LWG_ETIMEOUT (-9)  /* a timer ran out                              */
#define LWG_ETOOBIG  (-10) /* input larger than the configured bound       */

#endif /* LWG_ERR_H */
