#!/usr/bin/python3
"""Writes getfly-sample.xls: a real Excel 97-2003 (BIFF8) workbook like a Getfly customer export, for the .xls import
tests (issue 21). Written with xlwt (Debian package python3-xlwt), not by our own code, so the reader is tested against a
file another program wrote. Run it from this folder with the system Python: /usr/bin/python3 make-getfly-sample-xls.py

The rows must stay equal to XlsImportTests.Rows (the same rows written as .xlsx): Vietnamese text with every kind of
diacritic, phones as text cells with their leading 0 (one pre-2018 eleven-digit mobile), a birthday as a real Excel date
cell and one as dd/MM/yyyy text, a tax code stored as a number, and blank cells.
"""
import datetime
import xlwt

HEADERS = ["Mã khách hàng", "Tên khách hàng", "Điện thoại", "Email", "Ngày sinh", "Giới tính", "Địa chỉ", "Mã số thuế"]
ROWS = [
    ["KH000123", "Nguyễn Thị Ánh", "0912345678", "anh.nguyen@example.vn", datetime.date(1990, 2, 28), "Nữ", "12 Lê Lợi, Quận 1, TP. Hồ Chí Minh", 312345678],
    ["KH000124", "Trần Văn Đức", "01689123456", "duc.tran@example.vn", "15/08/1985", "Nam", "Số 5 ngõ 34 Hoàng Cầu, Đống Đa, Hà Nội", None],
    [None, "Lê Thị Hồng Nhung", "0987 000 111", None, datetime.date(2001, 12, 31), "Nữ", "Phường Vĩnh Ninh, TP. Huế", None],
    [None, "Công ty TNHH Ứng Dụng Việt", "028 3823 4567", "lienhe@ungdungviet.vn", None, None, "Khu công nghệ cao, TP. Thủ Đức", 109876543],
    ["KH000200", "Phạm Quỳnh Hương", "0908111222", "huong.pham@example.vn", datetime.date(1978, 1, 1), "Nữ", "Ấp Mỹ Phước, Bến Cát, Bình Dương", None],
]

def main():
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Khách hàng")
    text = xlwt.easyxf(num_format_str="@")
    date = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    number = xlwt.easyxf(num_format_str="0")
    for col, header in enumerate(HEADERS):
        sheet.write(0, col, header)
    for r, row in enumerate(ROWS, start=1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime.date):
                sheet.write(r, col, value, date)
            elif isinstance(value, int):
                sheet.write(r, col, value, number)
            else:
                sheet.write(r, col, value, text)
    book.save("getfly-sample.xls")

if __name__ == "__main__":
    main()
