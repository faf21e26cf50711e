//! QR codes for packaging: SVG (any size, for print shops) and PNG.

use qrcode::{Color, EcLevel, QrCode};

/// Quiet zone around the code, in modules (the standard asks for 4).
const QUIET: usize = 4;

fn code(data: &str) -> Result<QrCode, String> {
    // Level M survives a scuffed label and keeps the code small.
    QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).map_err(|e| e.to_string())
}

/// An SVG QR code, `size` pixels square (scalable: print at any size).
pub fn svg(data: &str, size: u32) -> Result<String, String> {
    let c = code(data)?;
    Ok(c.render::<qrcode::render::svg::Color>()
        .min_dimensions(size, size)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// A black-and-white PNG QR code with `scale` pixels per module.
pub fn png(data: &str, scale: u32) -> Result<Vec<u8>, String> {
    let c = code(data)?;
    let width = c.width();
    let colors = c.to_colors();
    let scale = scale.clamp(1, 64) as usize;
    let side = (width + 2 * QUIET) * scale;
    let mut pixels = vec![255u8; side * side];
    for y in 0..width {
        for x in 0..width {
            if colors[y * width + x] == Color::Dark {
                for dy in 0..scale {
                    let row = ((y + QUIET) * scale + dy) * side;
                    let start = row + (x + QUIET) * scale;
                    pixels[start..start + scale].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|e| e.to_string())?;
        w.write_image_data(&pixels).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// The modules of a code (true = dark), for tests and custom renderers.
pub fn matrix(data: &str) -> Result<(usize, Vec<bool>), String> {
    let c = code(data)?;
    Ok((
        c.width(),
        c.to_colors().iter().map(|m| *m == Color::Dark).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_and_png_render() {
        let url = "https://ocop.example.vn/01/08934563138165";
        let s = svg(url, 300).unwrap();
        assert!(s.starts_with("<?xml") && s.contains("<svg"));
        let p = png(url, 8).unwrap();
        assert!(p.starts_with(b"\x89PNG"));
        let decoder = png::Decoder::new(std::io::Cursor::new(&p));
        let reader = decoder.read_info().unwrap();
        let (w, _) = matrix(url).unwrap();
        assert_eq!(reader.info().width as usize, (w + 2 * QUIET) * 8);
    }

    #[test]
    fn same_data_same_code() {
        assert_eq!(matrix("abc").unwrap(), matrix("abc").unwrap());
        assert_ne!(matrix("abc").unwrap().1, matrix("abd").unwrap().1);
    }
}
